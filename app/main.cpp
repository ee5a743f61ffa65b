#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>

#include "app/command_line.hpp"
#include "auth/keys_command.hpp"
#include "config/config_loader.hpp"
#include "demo_catalog.hpp"
#include "telemetry/logging.hpp"

namespace {

// Every connection is a descriptor, and the usual soft limit of 1,024 is below
// server.max_connections plus the databases' files: shopd takes what the hard limit allows.
void raise_open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) {
        return;
    }
    const auto soft = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        spdlog::warn("cannot raise the open-file limit from {} to {}", soft, limit.rlim_max);
    }
}

// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
    auto temporary = path;
    temporary += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream file(temporary, std::ios::trunc);
        file << text;
        file.close();
        if (!file) {
            throw std::runtime_error("cannot write the ready file " + path.string() + ": " +
                                     std::strerror(errno));
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary);
        throw std::runtime_error("cannot write the ready file " + path.string() + ": " +
                                 error.message());
    }
}

// One line for whoever waits for shopd: on stdout, which carries nothing else, and in the ready
// file when one was asked for.
void announce_ready(const shopd::App& app, const std::string& ready_file) {
    const auto line = boost::json::serialize(boost::json::object{
        {"url", app.url()},
        {"port", app.port()},
        {"pid", ::getpid()},
        {"version", SHOPD_VERSION},
    });
    if (!ready_file.empty()) {
        write_atomically(ready_file, line + "\n");
    }
    std::cout << line << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    auto modules = shopd::builtin_modules();
    const auto settings = shopd::settings_of(modules);
    const auto command_line = shopd::parse_command_line(argc, argv, std::cout, std::cerr, settings);
    if (const auto* exit_code = std::get_if<int>(&command_line)) {
        return *exit_code;
    }
    if (const auto* keys = std::get_if<shopd::KeysCommand>(&command_line)) {
        return shopd::auth::run_keys_command(*keys, std::cout, std::cerr);
    }
    try {
        const auto& request = std::get<shopd::CommandLine>(command_line);
        std::vector<std::string> warnings;
        const auto config = shopd::config::load_config(request.sources, settings, &warnings);
        if (config.server.listen.empty()) {
            throw shopd::ConfigError(
                "server.listen: empty means no socket, which only an embedding program can use");
        }
        shopd::telemetry::configure_logging(config.log.level, config.log.format);
        for (const auto& warning : warnings) {
            spdlog::warn("{}", warning);
        }
        raise_open_file_limit();
        shopd::App app(config, std::move(modules), shopd::builtin_openapi());
        if (request.describe) {
            std::cout << app.module_graph_mermaid();
            return 0;
        }
        // A ready file left by an earlier run must not announce this one before it is ready.
        std::error_code ignored;
        if (!request.ready_file.empty()) {
            std::filesystem::remove(request.ready_file, ignored);
        }
        app.run_until_signal([&] {
            if (request.demo) {
                shopd::seed_demo_catalog(app);
            }
            announce_ready(app, request.ready_file);
        });
        if (!request.ready_file.empty()) {
            std::filesystem::remove(request.ready_file, ignored);
        }
        return 0;
    } catch (const shopd::ConfigError& error) {
        std::cerr << "shopd: " << error.what() << "\n";
        return 2;
    } catch (const shopd::StartupError& error) {
        std::cerr << "shopd: cannot start: " << error.what() << "\n";
        return 3;
    } catch (const std::exception& error) {
        std::cerr << "shopd: " << error.what() << "\n";
        return 1;
    }
}
