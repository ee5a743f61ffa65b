#include "support/architecture.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>

namespace shopd::testing {
namespace {

namespace fs = std::filesystem;

bool is_source(const fs::path& path) {
    const auto extension = path.extension();
    return extension == ".cpp" || extension == ".hpp" || extension == ".h";
}

std::set<std::string> subdirectories(const fs::path& directory) {
    std::set<std::string> names;
    if (fs::is_directory(directory)) {
        for (const auto& entry : fs::directory_iterator(directory)) {
            if (entry.is_directory()) {
                names.insert(entry.path().filename().string());
            }
        }
    }
    return names;
}

// The directories an include path names, outermost first; not the file itself.
std::vector<std::string> directories_of(const std::string& include) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (auto slash = include.find('/'); slash != std::string::npos;
         slash = include.find('/', start)) {
        parts.push_back(include.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

std::string first_directory(const std::string& include) {
    const auto directories = directories_of(include);
    return directories.empty() ? std::string{} : directories.front();
}

struct Line {
    std::string file;  // relative to the root
    int number;
    std::string text;
};

// Calls `visit` with every line of every source file under `directory`.
void scan(const fs::path& root, const fs::path& directory,
          const std::function<void(const Line&)>& visit) {
    if (!fs::is_directory(directory)) {
        return;
    }
    for (const auto& entry : fs::recursive_directory_iterator(directory)) {
        if (!entry.is_regular_file() || !is_source(entry.path())) {
            continue;
        }
        std::ifstream file(entry.path());
        const auto relative = fs::relative(entry.path(), root).string();
        std::string text;
        int number = 0;
        while (std::getline(file, text)) {
            visit({relative, ++number, text});
        }
    }
}

struct Include {
    std::string path;
    bool quoted;  // "..." rather than <...>
};

std::optional<Include> include_of(const std::string& text) {
    static const std::regex include_line(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
    std::smatch match;
    if (!std::regex_search(text, match, include_line)) {
        return std::nullopt;
    }
    return Include{match[2].str(), match[1].str() == "\""};
}

class Checker {
  public:
    explicit Checker(const fs::path& root)
        : root_(root),
          modules_(subdirectories(root / "modules")),
          platform_(subdirectories(root / "src")) {}

    std::vector<Violation> run() {
        for (const auto& module : modules_) {
            check_module(module);
        }
        check_public_headers();
        check_platform();
        check_platform_cycles();
        return std::move(violations_);
    }

  private:
    void report(const Line& line, std::string text, std::string rule) {
        violations_.push_back({line.file, line.number, std::move(text), std::move(rule)});
    }

    void check_module(const std::string& module) {
        const auto directory = root_ / "modules" / module;
        scan(root_, directory, [&](const Line& line) {
            const auto include = include_of(line.text);
            if (!include || include->path.starts_with("shopd/")) {
                return;
            }
            const auto top = first_directory(include->path);
            for (const auto& directory_name : directories_of(include->path)) {
                if (directory_name != module && modules_.contains(directory_name)) {
                    report(line, include->path,
                           "module '" + module + "' reaches into module '" + directory_name +
                               "'; use shopd/contracts/" + directory_name + ".hpp");
                    return;
                }
            }
            if (platform_.contains(top) || top == "modules" || top == "src") {
                report(line, include->path,
                       "module '" + module +
                           "' reaches into the platform; use the module API (shopd/module.hpp)");
                return;
            }
            if (include->quoted && !fs::exists(directory / include->path)) {
                report(line, include->path,
                       "module '" + module + "' includes a file that is not its own");
            }
        });
    }

    void check_public_headers() {
        scan(root_, root_ / "include", [&](const Line& line) {
            const auto include = include_of(line.text);
            if (!include) {
                return;
            }
            const auto top = first_directory(include->path);
            if (include->quoted || platform_.contains(top) || top == "src") {
                report(line, include->path,
                       "a public header includes only <shopd/...> and third-party headers");
            }
        });
    }

    void check_platform() {
        std::string names;
        for (const auto& module : modules_) {
            names += (names.empty() ? "" : "|") + module;
        }
        const std::regex names_module(names.empty() ? std::string{"$^"}
                                                    : "\"(" + names + ")(\\.[a-z_]+)?\"|\\b(" +
                                                          names + ")::");
        scan(root_, root_ / "src", [&](const Line& line) {
            if (const auto include = include_of(line.text)) {
                const auto top = first_directory(include->path);
                if (top == "modules" || modules_.contains(top) ||
                    include->path.starts_with("shopd/contracts/") ||
                    include->path == "shopd/modules.hpp") {
                    report(line, include->path, "the platform (src/) knows no business module");
                }
                return;
            }
            std::smatch match;
            if (std::regex_search(line.text, match, names_module)) {
                report(line, match[0].str(),
                       "the platform (src/) names no module, nor a module's setting");
            }
        });
    }

    // A unit is a header and its source file (bus/messaging.hpp and .cpp): no unit of src/
    // reaches, through the includes of its two files, back to itself.
    void check_platform_cycles() {
        std::map<std::string, std::set<std::string>> uses;
        std::map<std::string, Line> first_line;
        const auto src = root_ / "src";
        scan(root_, src, [&](const Line& line) {
            const auto include = include_of(line.text);
            const auto unit = unit_of(fs::relative(root_ / line.file, src));
            if (!include || !include->quoted || !fs::exists(src / include->path)) {
                return;
            }
            const auto used = unit_of(include->path);
            if (used != unit && uses[unit].insert(used).second) {
                first_line.emplace(unit + ">" + used, line);
            }
        });
        std::set<std::string> done;
        for (const auto& [unit, used] : uses) {
            std::vector<std::string> path;
            if (const auto cycle = find_cycle(unit, uses, done, path)) {
                std::string text;
                for (const auto& step : *cycle) {
                    text += (text.empty() ? "" : " -> ") + step;
                }
                report(first_line.at((*cycle)[0] + ">" + (*cycle)[1]), text,
                       "units of the platform depend on each other one way only");
                done.insert(cycle->begin(), cycle->end());
            }
        }
    }

    static std::string unit_of(const fs::path& path) {
        return (path.parent_path() / path.stem()).generic_string();
    }

    // Depth first from `unit`; a unit on `path` met again closes a cycle, returned from it.
    static std::optional<std::vector<std::string>> find_cycle(
        const std::string& unit, const std::map<std::string, std::set<std::string>>& uses,
        std::set<std::string>& done, std::vector<std::string>& path) {
        if (const auto on_path = std::find(path.begin(), path.end(), unit); on_path != path.end()) {
            std::vector<std::string> cycle(on_path, path.end());
            cycle.push_back(unit);
            return cycle;
        }
        if (done.contains(unit)) {
            return std::nullopt;
        }
        path.push_back(unit);
        if (const auto used = uses.find(unit); used != uses.end()) {
            for (const auto& next : used->second) {
                if (auto cycle = find_cycle(next, uses, done, path)) {
                    return cycle;
                }
            }
        }
        path.pop_back();
        done.insert(unit);
        return std::nullopt;
    }

    fs::path root_;
    std::set<std::string> modules_;
    std::set<std::string> platform_;
    std::vector<Violation> violations_;
};

}  // namespace

std::vector<Violation> find_violations(const fs::path& root) {
    return Checker(root).run();
}

}  // namespace shopd::testing
