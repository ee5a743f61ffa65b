# shopd_embed_text(<target> FUNCTION <qualified::function> FILE <file>)
#
# Compiles <file> into <target> as `std::string_view <qualified::function>()`, so the binary
# serves it without depending on files beside it at run time.
function(shopd_embed_text target)
  cmake_parse_arguments(ARG "" "FUNCTION;FILE" "" ${ARGN})
  string(MAKE_C_IDENTIFIER "${ARG_FUNCTION}" unit_name)
  set(output "${CMAKE_CURRENT_BINARY_DIR}/embedded_${unit_name}.cpp")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" -DFUNCTION=${ARG_FUNCTION} -DINPUT=${ARG_FILE} -DOUTPUT=${output}
            -P "${PROJECT_SOURCE_DIR}/cmake/WriteText.cmake"
    DEPENDS "${ARG_FILE}" "${PROJECT_SOURCE_DIR}/cmake/WriteText.cmake"
    COMMENT "Embedding ${ARG_FILE}"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()
