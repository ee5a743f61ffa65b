#include "support/architecture.hpp"

#include <fstream>
#include <regex>
#include <set>

namespace shopd::testing {
namespace {

namespace fs = std::filesystem;

bool is_source(const fs::path& path) {
    const auto extension = path.extension();
    return extension == ".cpp" || extension == ".hpp" || extension == ".h";
}

std::vector<std::string> directories_of(const std::string& include) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (auto slash = include.find('/'); slash != std::string::npos;
         slash = include.find('/', start)) {
        parts.push_back(include.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;  // the file name itself is not a directory
}

template <class Check>
void scan(const fs::path& root, const fs::path& directory, Check check) {
    if (!fs::is_directory(directory)) {
        return;
    }
    static const std::regex include_line(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
    for (const auto& entry : fs::recursive_directory_iterator(directory)) {
        if (!entry.is_regular_file() || !is_source(entry.path())) {
            continue;
        }
        std::ifstream file(entry.path());
        std::string text;
        int line = 0;
        while (std::getline(file, text)) {
            ++line;
            std::smatch match;
            if (std::regex_search(text, match, include_line)) {
                check(fs::relative(entry.path(), root).string(), line, match[1].str());
            }
        }
    }
}

}  // namespace

std::vector<IncludeViolation> find_include_violations(const fs::path& root) {
    std::set<std::string> modules;
    if (fs::is_directory(root / "modules")) {
        for (const auto& entry : fs::directory_iterator(root / "modules")) {
            if (entry.is_directory()) {
                modules.insert(entry.path().filename().string());
            }
        }
    }
    std::vector<IncludeViolation> violations;
    for (const auto& module : modules) {
        scan(root, root / "modules" / module,
             [&](const std::string& file, int line, const std::string& include) {
                 if (include.starts_with("shopd/contracts/")) {
                     return;
                 }
                 for (const auto& directory : directories_of(include)) {
                     if (directory != module && modules.contains(directory)) {
                         violations.push_back({file, line, include,
                                               "module '" + module + "' reaches into module '" +
                                                   directory + "'; use shopd/contracts/" +
                                                   directory + ".hpp"});
                         return;
                     }
                 }
             });
    }
    scan(root, root / "src", [&](const std::string& file, int line, const std::string& include) {
        const auto directories = directories_of(include);
        const bool names_module =
            std::any_of(directories.begin(), directories.end(),
                        [&](const auto& d) { return d == "modules" || modules.contains(d); });
        if (names_module || include.starts_with("shopd/contracts/") ||
            include == "shopd/modules.hpp") {
            violations.push_back(
                {file, line, include, "the platform (src/) knows no business module"});
        }
    });
    return violations;
}

}  // namespace shopd::testing
