#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <shopd/modules.hpp>

#include "config/config_loader.hpp"

namespace shopd::config {
namespace {

std::vector<SettingsSection> builtin_settings() {
    return settings_of(builtin_modules());
}

std::filesystem::path source_dir() {
    return SHOPD_TEST_SOURCE_DIR;
}

struct TomlFile {
    explicit TomlFile(const std::string& text)
        : path(std::filesystem::temp_directory_path() /
               ("shopd-config-" + std::to_string(::getpid()) + ".toml")) {
        std::ofstream(path) << text;
    }
    ~TomlFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
};

}  // namespace

TEST_CASE("the committed config file holds exactly the built-in defaults", "[config]") {
    const auto modules = builtin_settings();
    const auto loaded = load_config({source_dir() / "config" / "shopd.toml", {}, {}}, modules);
    const Config defaults;
    CHECK(loaded.server == defaults.server);
    CHECK(loaded.storage == defaults.storage);
    CHECK(loaded.modules == defaults.modules);
    CHECK(loaded.kafka == defaults.kafka);
    CHECK(loaded.log == defaults.log);
    CHECK(loaded.delivery == defaults.delivery);
    for (const auto& section : modules) {
        const auto values = module_settings(section, loaded);
        const auto default_values = section.defaults();
        for (const auto& entry : section.entries()) {
            INFO(section.name() << "." << entry.key);
            CHECK(entry.show(values.get()) == entry.show(default_values.get()));
        }
    }
}

TEST_CASE("the committed config file documents every setting", "[config]") {
    std::ifstream file(source_dir() / "config" / "shopd.toml");
    const std::string text{std::istreambuf_iterator<char>(file), {}};
    for (const auto& setting : describe_settings(builtin_settings())) {
        const auto key = setting.name.substr(setting.name.find('.') + 1);
        INFO(setting.name);
        CHECK(text.find("\n" + key + " = ") != std::string::npos);
    }
}

TEST_CASE("a flag overrides the environment, which overrides the file", "[config]") {
    TomlFile file("[server]\nlisten = \"127.0.0.1:1111\"\nthreads = 3\n[log]\nlevel = \"warn\"\n");
    ConfigSources sources{
        file.path, {{"SHOPD_SERVER_LISTEN", "127.0.0.1:2222"}, {"PATH", "/bin"}}, {}};
    auto config = load_config(sources);
    CHECK(config.server.listen == "127.0.0.1:2222");
    CHECK(config.server.threads == 3);
    CHECK(config.log.level == "warn");

    sources.overrides.push_back({"server.listen", "127.0.0.1:3333", "--listen"});
    config = load_config(sources);
    CHECK(config.server.listen == "127.0.0.1:3333");
    CHECK(config.server.threads == 3);
}

TEST_CASE("every kind of setting reads from text and from TOML", "[config]") {
    TomlFile file(
        "[storage]\nmemory = true\ndurability = \"full\"\nbatch_wait_us = 300\n[modules]\nenabled "
        "= [\"a\", \"b\"]\n"
        "[delivery]\nretry_base_ms = 50\n[log]\nformat = \"json\"\n");
    auto config = load_config({file.path, {}, {}});
    CHECK(config.storage.memory);
    CHECK(config.storage.durability == Durability::full);
    CHECK(config.modules.enabled == std::vector<std::string>{"a", "b"});
    CHECK(config.storage.batch_wait == std::chrono::microseconds(300));
    CHECK(config.delivery.retry_base == std::chrono::milliseconds(50));
    CHECK(config.log.format == LogFormat::json);

    config = load_config({std::nullopt,
                          {{"SHOPD_STORAGE_MEMORY", "false"},
                           {"SHOPD_MODULES_ENABLED", "order,payment"},
                           {"SHOPD_STORAGE_DURABILITY", "normal"}},
                          {}});
    CHECK_FALSE(config.storage.memory);
    CHECK(config.modules.enabled == std::vector<std::string>{"order", "payment"});
}

TEST_CASE("an unknown key in the file is an error naming the key and the line", "[config]") {
    TomlFile file("[server]\nthreads = 2\nlisten_port = 80\n");
    CHECK_THROWS_WITH(load_config({file.path, {}, {}}), Catch::Contains("server.listen_port") &&
                                                            Catch::Contains(":3:") &&
                                                            Catch::Contains("unknown setting"));
}

TEST_CASE("an unknown section in the file is an error", "[config]") {
    TomlFile file("[sever]\nthreads = 2\n");
    CHECK_THROWS_WITH(load_config({file.path, {}, {}}), Catch::Contains("sever.threads"));
}

TEST_CASE("a value of the wrong type is an error naming the setting", "[config]") {
    TomlFile file("[server]\nthreads = \"two\"\n");
    CHECK_THROWS_WITH(load_config({file.path, {}, {}}),
                      Catch::Contains("server.threads") && Catch::Contains("whole number"));
}

TEST_CASE("an invalid TOML file is an error with its line", "[config]") {
    TomlFile file("[server]\nthreads = = 2\n");
    CHECK_THROWS_WITH(load_config({file.path, {}, {}}), Catch::Contains(":2:"));
}

TEST_CASE("a bad environment value names the variable", "[config]") {
    CHECK_THROWS_WITH(load_config({std::nullopt, {{"SHOPD_SERVER_THREADS", "many"}}, {}}),
                      Catch::Contains("server.threads") && Catch::Contains("SHOPD_SERVER_THREADS"));
    CHECK_THROWS_WITH(load_config({std::nullopt, {{"SHOPD_SERVER_THREADS", "0"}}, {}}),
                      Catch::Contains("at least 1"));
}

TEST_CASE("an unknown SHOPD_ environment variable is a warning, with the setting it may mean",
          "[config]") {
    std::vector<std::string> warnings;
    const auto config = load_config(
        {std::nullopt, {{"SHOPD_SERVER_LISTN", "x"}, {"SHOPD_PORT", "tcp://10.0.0.1:80"}}, {}}, {},
        &warnings);
    CHECK(config.server == ServerConfig{});
    REQUIRE(warnings.size() == 2);
    CHECK_THAT(warnings[0], Catch::Contains("SHOPD_PORT") && !Catch::Contains("did you mean"));
    CHECK_THAT(warnings[1], Catch::Contains("SHOPD_SERVER_LISTN") &&
                                Catch::Contains("did you mean SHOPD_SERVER_LISTEN?"));
}

TEST_CASE("an unknown key in the file or a flag suggests the setting one slip away", "[config]") {
    TomlFile file("[delivery]\nmax_attemps = 3\n");
    CHECK_THROWS_WITH(load_config({file.path, {}, {}}),
                      Catch::Contains("delivery.max_attemps: unknown setting; did you mean "
                                      "delivery.max_attempts?"));
    ConfigSources sources;
    sources.overrides = {{"order.step_timeout", "10", "--set"}};
    CHECK_THROWS_WITH(load_config(sources, builtin_settings()),
                      Catch::Contains("did you mean order.step_timeout_ms?"));
    sources.overrides = {{"nothing.close", "10", "--set"}};
    CHECK_THROWS_WITH(load_config(sources, builtin_settings()),
                      Catch::Contains("unknown setting") && !Catch::Contains("did you mean"));
}

TEST_CASE("a module's settings are checked where they are given and kept for the module",
          "[config]") {
    const auto modules = builtin_settings();
    ConfigSources sources;
    sources.environment = {{"SHOPD_ORDER_MAX_LINES", "0"}};
    CHECK_THROWS_WITH(load_config(sources, modules),
                      Catch::Contains("order.max_lines (environment variable "
                                      "SHOPD_ORDER_MAX_LINES): must be at least 1"));
    sources.environment = {{"SHOPD_ORDER_MAX_LINES", "7"}};
    sources.overrides = {{"shipping.weight_band_limits_grams", "1000", "--set"}};
    CHECK_THROWS_WITH(load_config(sources, modules),
                      Catch::Contains("shipping.weight_band_costs_cents: expected 2 costs for 1 "
                                      "weight band limits"));
    sources.overrides = {{"notification.template_shipped", "{{nope}}", "--set"}};
    CHECK_THROWS_WITH(
        load_config(sources, modules),
        Catch::Contains("notification.template_shipped (--set)") && Catch::Contains("nope"));
    sources.overrides = {};
    const auto config = load_config(sources, modules);
    CHECK(config.module_settings.at("order.max_lines").origin ==
          "environment variable SHOPD_ORDER_MAX_LINES");
}

TEST_CASE("a bad flag value names the setting and the flag", "[config]") {
    ConfigSources sources;
    sources.overrides.push_back({"server.listen", "nonsense", "--listen"});
    CHECK_THROWS_WITH(load_config(sources), Catch::Contains("server.listen") &&
                                                Catch::Contains("--listen") &&
                                                Catch::Contains("HOST:PORT"));
    sources.overrides = {{"log.level", "loud", "--log-level"}};
    CHECK_THROWS_WITH(load_config(sources), Catch::Contains("log.level"));
    sources.overrides = {{"storage.durability", "maybe", "--set"}};
    CHECK_THROWS_WITH(load_config(sources), Catch::Contains("normal or full"));
    sources.overrides = {{"storage.batch_wait_us", "-1", "--set"}};
    CHECK_THROWS_WITH(load_config(sources), Catch::Contains("storage.batch_wait_us"));
}

TEST_CASE("kafka settings refuse a bad topic prefix and a client property without a value",
          "[config][kafka]") {
    ConfigSources sources;
    sources.overrides = {{"kafka.brokers", "k1:9092,k2:9092", "--kafka-brokers"},
                         {"kafka.client", "linger.ms=20,security.protocol=ssl", "--set"}};
    const auto config = load_config(sources);
    CHECK(config.kafka.brokers == "k1:9092,k2:9092");
    CHECK(config.kafka.client == std::vector<std::string>{"linger.ms=20", "security.protocol=ssl"});
    sources.overrides = {{"kafka.topic_prefix", "shop events", "--set"}};
    CHECK_THROWS_WITH(load_config(sources),
                      Catch::Contains("kafka.topic_prefix") && Catch::Contains("shop events"));
    sources.overrides = {{"kafka.client", "linger.ms", "--set"}};
    CHECK_THROWS_WITH(load_config(sources),
                      Catch::Contains("kafka.client") && Catch::Contains("name=value"));
}

TEST_CASE("a missing explicit config file is an error", "[config]") {
    CHECK_THROWS_AS(load_config({"/nonexistent/shopd.toml", {}, {}}), ConfigError);
}

TEST_CASE("listen addresses accept IPv4, IPv6 and localhost only", "[config]") {
    CHECK(parse_listen_address("127.0.0.1:8080")->port == 8080);
    CHECK(parse_listen_address("[::1]:0")->host == "::1");
    CHECK(parse_listen_address("localhost:80")->host == "127.0.0.1");
    CHECK_FALSE(parse_listen_address("nonsense"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:70000"));
    CHECK_FALSE(parse_listen_address(":8080"));
    CHECK_FALSE(parse_listen_address("example.com:80"));
}

}  // namespace shopd::config
