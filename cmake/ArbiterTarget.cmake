# Warnings and sanitizers for arbiter's own targets only: llama.cpp keeps its own flags.
function(arbiter_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
  if(ARBITER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(ARBITER_SANITIZE)
    # -O1 -g1: sanitizer builds of -O3 code with full debug info took minutes per file here.
    target_compile_options(${target} PUBLIC -fsanitize=${ARBITER_SANITIZE} -O1 -g1
                                            -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=${ARBITER_SANITIZE})
    # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex, std::function)
    # when sanitizers change inlining.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
