#pragma once

#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

#include "config/config_loader.hpp"

namespace shopd {

struct CommandLine {
    config::ConfigSources sources;
    bool describe = false;  // print the module graph instead of serving
    // Where to write {"url","port","pid","version"} once ready (empty: nowhere); the same line
    // goes to stdout.
    std::string ready_file;
    bool demo = false;  // seed the demo catalog into an empty shop before announcing ready
};

// shopd keys create|list|revoke: API keys of a data directory no shopd runs on.
struct KeysCommand {
    enum class Action { create, list, revoke } action = Action::list;
    std::string data_dir = "data";
    std::string name = {};
    std::string role = {};
    std::string expires_in = {};  // empty: never
};

// What the command line asks for, or the exit code when it was answered already
// (--help, --version: 0; a usage error: 2, with one line on `error`).
using CommandLineResult = std::variant<CommandLine, KeysCommand, int>;

// `module_settings` are what the modules declare, listed by --help with the platform's.
CommandLineResult parse_command_line(int argc, const char* const* argv, std::ostream& out,
                                     std::ostream& error,
                                     const std::vector<SettingsSection>& module_settings = {});

}  // namespace shopd
