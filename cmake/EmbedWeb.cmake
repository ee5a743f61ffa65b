# shopd_embed_web(<target> FILES <url-path>=<file> ...)
#
# Compiles the files into <target> as shopd::http::web_files(), each served at its URL path
# (see src/http/web_files.hpp); a change of any of them rebuilds one source.
function(shopd_embed_web target)
  cmake_parse_arguments(ARG "" "" "FILES" ${ARGN})
  set(output "${CMAKE_CURRENT_BINARY_DIR}/generated/web_files.cpp")
  set(inputs "")
  foreach(pair IN LISTS ARG_FILES)
    string(REGEX REPLACE "^[^=]*=" "" file "${pair}")
    list(APPEND inputs "${file}")
  endforeach()
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_custom_command(
    OUTPUT "${output}"
    COMMAND Python3::Interpreter "${PROJECT_SOURCE_DIR}/cmake/embed_web.py" "${output}"
            ${ARG_FILES}
    DEPENDS "${PROJECT_SOURCE_DIR}/cmake/embed_web.py" ${inputs}
    COMMENT "Embedding the web files"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
  # The source names the files only by path: a change of one must reassemble it.
  set_source_files_properties("${output}" PROPERTIES OBJECT_DEPENDS "${inputs}"
                              SKIP_PRECOMPILE_HEADERS ON)
endfunction()
