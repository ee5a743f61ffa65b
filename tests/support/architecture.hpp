#pragma once
// The dependency rules of the source tree, checked over #include lines:
//  - a file in modules/<X>/ includes nothing of another module's directory; what it may use of
//    another module is that module's published messages, <shopd/contracts/<Y>.hpp>;
//  - a file in src/ (the platform) includes nothing of modules/ and no contracts.

#include <filesystem>
#include <string>
#include <vector>

namespace shopd::testing {

struct IncludeViolation {
    std::string file;  // relative to the root
    int line;
    std::string include;
    std::string rule;
};

std::vector<IncludeViolation> find_include_violations(const std::filesystem::path& root);

}  // namespace shopd::testing
