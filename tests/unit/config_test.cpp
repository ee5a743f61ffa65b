#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/config_loader.hpp"

namespace shopd::config {
namespace {

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
    const auto loaded = load_config({source_dir() / "config" / "shopd.toml", {}, {}});
    CHECK(loaded == Config{});
}

TEST_CASE("the committed config file documents every setting", "[config]") {
    std::ifstream file(source_dir() / "config" / "shopd.toml");
    const std::string text{std::istreambuf_iterator<char>(file), {}};
    for (const auto& setting : describe_settings()) {
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
    CHECK_THROWS_WITH(load_config({std::nullopt, {{"SHOPD_SERVER_LISTN", "x"}}, {}}),
                      Catch::Contains("SHOPD_SERVER_LISTN") && Catch::Contains("unknown"));
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
