#pragma once
// The dependency rules of the source tree:
//  - a file in modules/<X>/ includes its own files, public headers (<shopd/...>) and third-party
//    ones, and nothing of the platform's internals (src/) or of another module: what it may use
//    of another module is that module's published messages, <shopd/contracts/<Y>.hpp>;
//  - a public header (include/shopd/) includes other public headers and third-party ones only,
//    nothing of src/;
//  - a file in src/ (the platform) includes nothing of modules/ and no contracts, and names no
//    module: no module's name or setting ("order.max_lines") as a string, no module namespace;
//  - the platform's units (a header with its source file) depend on each other one way: no
//    chain of includes leads from a unit back to itself.

#include <filesystem>
#include <string>
#include <vector>

namespace shopd::testing {

struct Violation {
    std::string file;  // relative to the root
    int line;
    std::string text;  // the include, or what the line names
    std::string rule;
};

std::vector<Violation> find_violations(const std::filesystem::path& root);

}  // namespace shopd::testing
