# Script mode helper of EmbedMigrations.cmake: writes the C++ source holding the SQL files.
string(REGEX MATCH "^(.*)::([^:]+)$" _ "${FUNCTION}")
set(namespace "${CMAKE_MATCH_1}")
set(function "${CMAKE_MATCH_2}")

set(entries "")
foreach(sql_file IN LISTS FILES)
  get_filename_component(file_name "${sql_file}" NAME)
  string(REGEX MATCH "^([0-9]+)_([a-z0-9_]+)\\.sql$" _ "${file_name}")
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  file(READ "${sql_file}" sql)
  string(APPEND entries "    {${version}, \"${name}\", R\"shopd_sql(${sql})shopd_sql\"},\n")
endforeach()
if(entries STREQUAL "")
  set(array "constexpr std::span<const shopd::store::Migration> kMigrations{};")
else()
  set(array "constexpr shopd::store::Migration kMigrations[] = {\n${entries}};")
endif()

file(WRITE "${OUTPUT}.tmp" "// Generated from migrations/${COMPONENT}/ at build time.
#include <shopd/migration.hpp>

namespace ${namespace} {
namespace {
${array}
}  // namespace

shopd::store::MigrationSet ${function}() { return {\"${COMPONENT}\", kMigrations}; }

}  // namespace ${namespace}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
