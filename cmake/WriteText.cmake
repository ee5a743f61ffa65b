# Script mode helper of EmbedText.cmake: writes the C++ source holding one text file, in pieces
# of at most 16 KiB, since compilers need not take a longer string literal.
string(REGEX MATCH "^(.*)::([^:]+)$" _ "${FUNCTION}")
set(namespace "${CMAKE_MATCH_1}")
set(function "${CMAKE_MATCH_2}")
file(READ "${INPUT}" text)
get_filename_component(name "${INPUT}" NAME)
set(piece_length 16384)
string(LENGTH "${text}" length)
set(pieces "")
set(offset 0)
while(offset LESS length OR offset EQUAL 0)
  string(SUBSTRING "${text}" ${offset} ${piece_length} piece)
  string(APPEND pieces "    R\"shopd_text(${piece})shopd_text\",\n")
  math(EXPR offset "${offset} + ${piece_length}")
endwhile()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${name} at build time.
#include <string>
#include <string_view>

namespace ${namespace} {
namespace {

constexpr std::string_view kPieces[] = {
${pieces}};

}  // namespace

std::string_view ${function}() {
    static const std::string text = [] {
        std::string joined;
        for (const auto piece : kPieces) {
            joined += piece;
        }
        return joined;
    }();
    return text;
}

}  // namespace ${namespace}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
