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

add_subdirectory("${ARBITER_LLAMA_SOURCE_DIR}" "${CMAKE_BINARY_DIR}/llama.cpp" EXCLUDE_FROM_ALL SYSTEM)
