# Script mode helper of EmbedText.cmake: writes the C++ source holding one text file.
string(REGEX MATCH "^(.*)::([^:]+)$" _ "${FUNCTION}")
set(namespace "${CMAKE_MATCH_1}")
set(function "${CMAKE_MATCH_2}")
file(READ "${INPUT}" text)
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp" "// Generated from ${name} at build time.
#include <string_view>

namespace ${namespace} {

std::string_view ${function}() {
    return R\"shopd_text(${text})shopd_text\";
}

}  // namespace ${namespace}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
