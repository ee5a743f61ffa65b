#include <iostream>
#include <spdlog/spdlog.h>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>

#include "app/command_line.hpp"
#include "config/config_loader.hpp"
#include "telemetry/logging.hpp"

int main(int argc, char** argv) {
    const auto command_line = shopd::parse_command_line(argc, argv, std::cout, std::cerr);
    if (const auto* exit_code = std::get_if<int>(&command_line)) {
        return *exit_code;
    }
    try {
        const auto& request = std::get<shopd::CommandLine>(command_line);
        const auto config = shopd::config::load_config(request.sources);
        shopd::telemetry::configure_logging(config.log.level, config.log.format);
        shopd::App app(config, shopd::builtin_modules(), shopd::builtin_openapi());
        if (request.describe) {
            std::cout << app.module_graph_mermaid();
            return 0;
        }
        app.run_until_signal();
        return 0;
    } catch (const shopd::config::ConfigError& error) {
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
