#include "app/command_line.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <ostream>

#include "telemetry/build_info.hpp"

namespace shopd {
namespace {

constexpr auto kDefaultConfigFile = "config/shopd.toml";

std::string settings_help(const std::vector<SettingsSection>& modules) {
    std::string text = "\nSettings (config file section.key, environment variable, default):\n";
    for (const auto& setting : config::describe_settings(modules)) {
        text +=
            fmt::format("  {:<28} {:<34} {}\n      {}\n", setting.name,
                        setting.environment_variable, setting.default_value, setting.description);
    }
    text += fmt::format(
        "\nPrecedence: flags, then environment, then the config file (default {} when it "
        "exists), then built-in defaults.\n"
        "Exit codes: 0 clean stop, 1 unexpected failure, 2 bad usage or configuration, "
        "3 start-up failure (storage, port).\n",
        kDefaultConfigFile);
    return text;
}

}  // namespace

CommandLineResult parse_command_line(int argc, const char* const* argv, std::ostream& out,
                                     std::ostream& error,
                                     const std::vector<SettingsSection>& module_settings) {
    CLI::App cli{"shopd: a shop's whole order pipeline in one process", "shopd"};
    cli.footer(settings_help(module_settings));
    cli.set_version_flag("--version", SHOPD_VERSION);

    std::string config_file;
    std::string listen, data_dir, modules, kafka_brokers, log_level, log_format;
    std::string ready_file;
    bool memory = false;
    bool test_mode = false;
    bool describe = false;
    bool demo = false;
    std::vector<std::string> assignments;
    cli.add_option("--config", config_file, "TOML config file")->type_name("PATH");
    cli.add_option("--listen", listen, "HTTP address, HOST:PORT (server.listen)")
        ->type_name("HOST:PORT");
    cli.add_option("--data-dir", data_dir, "Directory of the databases (storage.data_dir)")
        ->type_name("DIR");
    cli.add_flag("--memory", memory, "Keep every database in RAM (storage.memory)");
    cli.add_option("--modules", modules, "Modules to host, comma-separated (modules.enabled)")
        ->type_name("A,B");
    cli.add_option("--kafka-brokers", kafka_brokers,
                   "Relay every outbox to these Kafka brokers (kafka.brokers)")
        ->type_name("HOST:PORT[,...]");
    cli.add_option("--log-level", log_level, "trace|debug|info|warn|error|critical|off (log.level)")
        ->type_name("LEVEL");
    cli.add_option("--log-format", log_format, "text|json (log.format)")->type_name("FORMAT");
    cli.add_flag("--test-mode", test_mode,
                 "Serve /api/test/: reset, snapshots, the shop clock (server.test_mode)");
    cli.add_option("--ready-file", ready_file,
                   "Once ready, write {\"url\",\"port\",\"pid\",\"version\"} here (atomically); "
                   "the same line goes to stdout")
        ->type_name("PATH");
    cli.add_flag("--demo", demo,
                 "Fill an empty catalog with the demo products and their pictures, for a kiosk "
                 "worth showing (needs the inventory module and in-process access: open on "
                 "loopback)");
    cli.add_flag("--describe", describe,
                 "Print the module graph (who publishes and who handles each message) as "
                 "Mermaid and exit");
    cli.add_option("--set", assignments, "Any setting, e.g. --set delivery.max_attempts=5")
        ->type_name("SECTION.KEY=VALUE");

    KeysCommand keys;
    auto* keys_command =
        cli.add_subcommand("keys",
                           "API keys of a data directory while no shopd runs on it (a running one: "
                           "/api/admin/keys)");
    keys_command->require_subcommand(1);
    const auto data_dir_option = [&keys](CLI::App* command) {
        command->add_option("--data-dir", keys.data_dir, "Data directory (default data)")
            ->type_name("DIR");
    };
    auto* create = keys_command->add_subcommand(
        "create", "Make a key and print it, once, as the only line on stdout");
    data_dir_option(create);
    create->add_option("--name", keys.name, "The key's name, unique among live keys")
        ->required()
        ->type_name("NAME");
    create->add_option("--role", keys.role, "admin, operator, kiosk or customer")
        ->required()
        ->check(CLI::IsMember({"admin", "operator", "kiosk", "customer"}))
        ->type_name("ROLE");
    create->add_option("--expires-in", keys.expires_in, "Lifetime: 90m, 12h, 30d (default: none)")
        ->type_name("TIME");
    create->callback([&keys] { keys.action = KeysCommand::Action::create; });
    auto* list = keys_command->add_subcommand("list", "The live keys, one JSON object a line");
    data_dir_option(list);
    list->callback([&keys] { keys.action = KeysCommand::Action::list; });
    auto* revoke = keys_command->add_subcommand("revoke", "Revoke the live key of that name");
    data_dir_option(revoke);
    revoke->add_option("--name", keys.name, "The key's name")->required()->type_name("NAME");
    revoke->callback([&keys] { keys.action = KeysCommand::Action::revoke; });

    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out << cli.help();
        return 0;
    } catch (const CLI::CallForVersion&) {
        const auto& build = telemetry::build_info();
        out << fmt::format(
            "shopd {}\ncommit {}\nbuild {}\nsqlite {}\nboost {}\nlibrdkafka {}\nopenssl {}\n",
            build.version, build.commit, build.build_type, build.sqlite, build.boost,
            build.librdkafka, build.openssl);
        return 0;
    } catch (const CLI::ParseError& parse_error) {
        error << "shopd: " << parse_error.what() << " (see shopd --help)\n";
        return 2;
    }

    if (keys_command->parsed()) {
        return keys;
    }
    config::ConfigSources sources;
    if (!config_file.empty()) {
        sources.file = config_file;
    } else if (std::filesystem::is_regular_file(kDefaultConfigFile)) {
        sources.file = kDefaultConfigFile;
    }
    sources.environment = config::process_environment();
    for (const auto& assignment : assignments) {
        const auto equals = assignment.find('=');
        if (equals == std::string::npos) {
            error << "shopd: --set " << assignment << ": expected SECTION.KEY=VALUE\n";
            return 2;
        }
        sources.overrides.push_back(
            {assignment.substr(0, equals), assignment.substr(equals + 1), "--set"});
    }
    const auto flag = [&](const std::string& value, const char* setting, const char* name) {
        if (cli.count(name) > 0) {
            sources.overrides.push_back({setting, value, name});
        }
    };
    flag(listen, "server.listen", "--listen");
    flag(data_dir, "storage.data_dir", "--data-dir");
    flag(memory ? "true" : "false", "storage.memory", "--memory");
    flag(test_mode ? "true" : "false", "server.test_mode", "--test-mode");
    flag(modules, "modules.enabled", "--modules");
    flag(kafka_brokers, "kafka.brokers", "--kafka-brokers");
    flag(log_level, "log.level", "--log-level");
    flag(log_format, "log.format", "--log-format");
    return CommandLine{std::move(sources), describe, std::move(ready_file), demo};
}

}  // namespace shopd
