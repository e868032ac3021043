# Makes the targets `llama` and `ggml` available, from one of three places:
#   - ARBITER_LLAMA_PACKAGE=ON: an installed llama.cpp (find_package(llama));
#   - ARBITER_LLAMA_SOURCE_DIR: any llama.cpp checkout, built here as a static subproject;
#   - by default third_party/llama.cpp, which scripts/fetch-llama fills.

option(ARBITER_LLAMA_PACKAGE "Use an installed llama.cpp package instead of building its source" OFF)
set(ARBITER_LLAMA_SOURCE_DIR "${PROJECT_SOURCE_DIR}/third_party/llama.cpp"
    CACHE PATH "llama.cpp source tree to build as a subproject")

if(ARBITER_LLAMA_PACKAGE)
  find_package(llama REQUIRED)
  find_package(ggml REQUIRED)
  return()
endif()

if(NOT EXISTS "${ARBITER_LLAMA_SOURCE_DIR}/include/llama.h")
  message(FATAL_ERROR
    "No llama.cpp source at ${ARBITER_LLAMA_SOURCE_DIR}.\n"
    "Run scripts/fetch-llama, or pass -DARBITER_LLAMA_SOURCE_DIR=/path/to/llama.cpp, "
    "or -DARBITER_LLAMA_PACKAGE=ON for an installed llama.cpp.")
endif()

# The fetched source must carry this checkout's patches (cmake/llama-patches): an older fetch
# would build without them and tokenize unlike tiktoken. scripts/fetch-llama writes the stamp;
# a changed patch or stamp configures again, so `cmake --build` alone cannot miss it.
if(ARBITER_LLAMA_SOURCE_DIR STREQUAL "${PROJECT_SOURCE_DIR}/third_party/llama.cpp")
  file(STRINGS "${PROJECT_SOURCE_DIR}/cmake/llama-source.env" bundle_line REGEX "^LLAMA_BUNDLE_SHA256=")
  string(REPLACE "LLAMA_BUNDLE_SHA256=" "bundle " expected_stamp "${bundle_line}")
  file(GLOB llama_patches CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/cmake/llama-patches/*.patch")
  foreach(patch IN LISTS llama_patches)
    file(SHA256 "${patch}" patch_sha256)
    get_filename_component(patch_name "${patch}" NAME)
    string(APPEND expected_stamp "\npatch ${patch_name} ${patch_sha256}")
  endforeach()
  set(stamp_file "${ARBITER_LLAMA_SOURCE_DIR}/.arbiter-source")
  set(stamp "")
  if(EXISTS "${stamp_file}")
    file(READ "${stamp_file}" stamp)
    string(STRIP "${stamp}" stamp)
  endif()
  if(NOT stamp STREQUAL expected_stamp)
    message(FATAL_ERROR "${ARBITER_LLAMA_SOURCE_DIR} is not the patched llama.cpp this checkout "
                        "expects (cmake/llama-patches): run scripts/fetch-llama (scripts/build does).")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${llama_patches} "${stamp_file}")
endif()

# llama-server from the same source and objects, for bench/run's baseline and the remote backend's
# tests (target llama-server, built only when something depends on it). Test builds define it.
option(ARBITER_LLAMA_SERVER "Also define llama.cpp's llama-server target (benchmarks, tests)" ${ARBITER_TESTS})

# llama.cpp's own options, set before its CMakeLists reads them: a static library and nothing else.
set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_APP OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TOOLS ${ARBITER_LLAMA_SERVER} CACHE BOOL "" FORCE)
set(LLAMA_BUILD_SERVER ${ARBITER_LLAMA_SERVER} CACHE BOOL "" FORCE)
set(LLAMA_BUILD_COMMON ${ARBITER_LLAMA_SERVER} CACHE BOOL "" FORCE)
set(LLAMA_OPENSSL OFF CACHE BOOL "" FORCE)
set(LLAMA_USE_PREBUILT_UI OFF CACHE BOOL "" FORCE)
set(LLAMA_FATAL_WARNINGS OFF CACHE BOOL "" FORCE)
set(GGML_NATIVE ON CACHE BOOL "")

# NVIDIA GPUs: llama.cpp's CUDA backend, for the architectures named (docs/gpu.md). With no list,
# the GPUs present at build time when there are any, else a list covering Ampere to Blackwell:
# PTX for 80 (A100 and anything newer, compiled by the driver on first use) plus machine code for
# the common cards (Blackwell's from CUDA 12.8 on).
option(ARBITER_CUDA "Build llama.cpp's CUDA backend; the engine then offloads every layer" OFF)
set(ARBITER_CUDA_ARCHITECTURES "" CACHE STRING
    "CUDA architectures for ARBITER_CUDA, e.g. 90-real (H100) or 86-real;89-real (empty: see docs/gpu.md)")
set(GGML_CUDA ${ARBITER_CUDA} CACHE BOOL "" FORCE)
if(ARBITER_CUDA)
  if(ARBITER_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "${ARBITER_CUDA_ARCHITECTURES}")
  else()
    execute_process(COMMAND nvidia-smi -L OUTPUT_VARIABLE arbiter_gpus ERROR_QUIET RESULT_VARIABLE arbiter_smi)
    if(arbiter_smi EQUAL 0 AND arbiter_gpus MATCHES "GPU 0")
      set(CMAKE_CUDA_ARCHITECTURES native)
    else()
      set(CMAKE_CUDA_ARCHITECTURES "80-virtual;86-real;89-real;90-real")
      find_package(CUDAToolkit REQUIRED)
      if(CUDAToolkit_VERSION VERSION_GREATER_EQUAL "12.8")  # Blackwell's first toolkit
        list(APPEND CMAKE_CUDA_ARCHITECTURES 120a-real)
      endif()
    endif()
  endif()
  # arbiter sets the C and C++ launchers itself, which turns off ggml's own ccache set-up.
  if(CCACHE_PROGRAM)
    set(CMAKE_CUDA_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
  endif()
  message(STATUS "arbiter: CUDA build for architectures ${CMAKE_CUDA_ARCHITECTURES}")
endif()

add_subdirectory("${ARBITER_LLAMA_SOURCE_DIR}" "${CMAKE_BINARY_DIR}/llama.cpp" EXCLUDE_FROM_ALL SYSTEM)
