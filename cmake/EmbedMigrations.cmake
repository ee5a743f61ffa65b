# shopd_embed_migrations(<target> COMPONENT <name> FUNCTION <qualified::function> DIRECTORY <dir>)
#
# Compiles the numbered SQL files of <dir> (NNNN_description.sql, numbered from 1 without gaps)
# into <target> as `shopd::store::MigrationSet <qualified::function>()`, so the binary carries
# its schema and never depends on files beside it at run time.
function(shopd_embed_migrations target)
  cmake_parse_arguments(ARG "" "COMPONENT;FUNCTION;DIRECTORY" "" ${ARGN})
  file(GLOB sql_files CONFIGURE_DEPENDS "${ARG_DIRECTORY}/*.sql")
  list(SORT sql_files)
  set(expected 1)
  foreach(sql_file IN LISTS sql_files)
    get_filename_component(file_name "${sql_file}" NAME)
    if(NOT file_name MATCHES "^([0-9]+)_([a-z0-9_]+)\\.sql$")
      message(FATAL_ERROR "${sql_file}: migration files are named NNNN_description.sql")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    if(NOT version EQUAL expected)
      message(FATAL_ERROR "${sql_file}: expected migration number ${expected}")
    endif()
    math(EXPR expected "${expected} + 1")
  endforeach()

  set(output "${CMAKE_CURRENT_BINARY_DIR}/migrations_${ARG_COMPONENT}.cpp")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" -DCOMPONENT=${ARG_COMPONENT} -DFUNCTION=${ARG_FUNCTION}
            -DOUTPUT=${output} "-DFILES=${sql_files}"
            -P "${PROJECT_SOURCE_DIR}/cmake/WriteMigrations.cmake"
    DEPENDS ${sql_files} "${PROJECT_SOURCE_DIR}/cmake/WriteMigrations.cmake"
    COMMENT "Embedding ${ARG_COMPONENT} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()
