#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <shopd/config.hpp>
#include <shopd/settings.hpp>

namespace shopd::config {

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
    // Settings as the file holds them, given as text (an embedding program's), read after the
    // file; messages name it "config".
    std::optional<std::string> text = std::nullopt;
};

// The defaults, overridden by the file, then the environment, then the flags. Besides the
// platform's own sections, `modules` declare theirs: their values are checked here and kept in
// Config::module_settings. An unknown setting in the file or a flag is an error; an unknown
// SHOPD_* environment variable only a line in `warnings`, since orchestrators set some
// (SHOPD_PORT for a service named shopd).
Config load_config(const ConfigSources& sources, const std::vector<SettingsSection>& modules = {},
                   std::vector<std::string>* warnings = nullptr);

// The settings of a module's section: its defaults with the values of
// config.module_settings applied, and its rules checked. Throws ConfigError as load_config.
std::shared_ptr<void> module_settings(const SettingsSection& section, const Config& config);

// Throws ConfigError for a value in config.module_settings that no section declares.
void check_module_settings_known(const Config& config, const std::vector<SettingsSection>& modules);

struct SettingInfo {
    std::string name;  // section.key
    std::string environment_variable;
    std::string description;
    std::string default_value;
};
std::vector<SettingInfo> describe_settings(const std::vector<SettingsSection>& modules = {});

// The current process environment as a map, for ConfigSources.
std::map<std::string, std::string> process_environment();

struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};
// HOST:PORT with an IPv4 address, [IPv6] or localhost; nullopt when it is not one.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// A traceidratio sampler's ratio as OTEL_TRACES_SAMPLER_ARG gives it: a number from 0 to 1.
std::optional<double> sampling_ratio(std::string_view text);

}  // namespace shopd::config
