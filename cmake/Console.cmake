# The review console (console/): TypeScript and Preact, bundled by esbuild through npm, then
# compiled into arbiter_server as a table of bytes (server/console_assets.h).
#   arbiter_console_sources(OUT_VAR): the generated .cpp to add to the target.
# npm runs only when console's sources, build script or lockfile changed (a rule with those
# dependencies), and scripts/node-deps reinstalls only when the lockfile did.
# Without node and npm the build goes on without the console: `arbiter serve` answers / with a 404
# that says so, and the console's end-to-end test fails. A warning here says it too.

function(arbiter_console_sources out_var)
  set(src "${PROJECT_SOURCE_DIR}/console")
  set(built "${CMAKE_BINARY_DIR}/console")
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/console_assets_data.cpp")
  set(embed "${PROJECT_SOURCE_DIR}/cmake/embed-console.cmake")
  find_program(ARBITER_NPM npm)
  find_program(ARBITER_NODE node)
  if(ARBITER_NPM AND ARBITER_NODE)
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${src}/src/*")
    add_custom_command(
      OUTPUT "${generated}"
      COMMAND "${PROJECT_SOURCE_DIR}/scripts/node-deps" "${src}"
      COMMAND "${ARBITER_NPM}" run --prefix "${src}" --silent build -- "${built}"
      COMMAND "${CMAKE_COMMAND}" "-DASSETS=${built}" "-DOUTPUT=${generated}" -P "${embed}"
      DEPENDS ${sources} "${src}/package-lock.json" "${src}/build.mjs" "${src}/tsconfig.json" "${embed}"
      COMMENT "Building the review console (npm, esbuild) and embedding it"
      VERBATIM)
  else()
    message(WARNING "node or npm not found: arbiter is built WITHOUT its review console (`arbiter serve` "
                    "answers / with a 404 saying so). Install Node.js (18 or later) and npm, then re-run cmake.")
    add_custom_command(
      OUTPUT "${generated}"
      COMMAND "${CMAKE_COMMAND}" "-DOUTPUT=${generated}" -P "${embed}"
      DEPENDS "${embed}"
      COMMENT "Embedding no review console (node or npm is missing)"
      VERBATIM)
  endif()
  set(${out_var} "${generated}" PARENT_SCOPE)
endfunction()
