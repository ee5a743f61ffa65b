#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <shopd/config.hpp>

namespace shopd::config {

// A setting that cannot be used; `what()` is one line naming the setting, where it came from
// and what is wrong with it.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ConfigSources {
    std::optional<std::filesystem::path> file;
    // Environment variables; those starting with SHOPD_ are read.
    std::map<std::string, std::string> environment;
    // Command-line values by setting ("server.listen") with the flag that gave them.
    struct Override {
        std::string setting;
        std::string value;
        std::string flag;
    };
    std::vector<Override> overrides;
};

// The defaults, overridden by the file, then the environment, then the flags.
Config load_config(const ConfigSources& sources);

struct SettingInfo {
    std::string name;  // section.key
    std::string environment_variable;
    std::string description;
    std::string default_value;
};
std::vector<SettingInfo> describe_settings();

// The current process environment as a map, for ConfigSources.
std::map<std::string, std::string> process_environment();

struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};
// HOST:PORT with an IPv4 address, [IPv6] or localhost; nullopt when it is not one.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace shopd::config
