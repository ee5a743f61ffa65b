#include "app/command_line.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include <shopd/modules.hpp>

namespace shopd {
namespace {

std::vector<SettingsSection> builtin_settings() {
    return settings_of(builtin_modules());
}

CommandLineResult parse(std::vector<const char*> arguments, std::string* error_text = nullptr) {
    arguments.insert(arguments.begin(), "shopd");
    std::ostringstream out, error;
    auto result =
        parse_command_line(static_cast<int>(arguments.size()), arguments.data(), out, error);
    if (error_text != nullptr) {
        *error_text = error.str();
    }
    return result;
}

}  // namespace

TEST_CASE("command-line flags become overrides of their settings", "[cli]") {
    const auto result = parse({"--listen", "0.0.0.0:9000", "--memory", "--modules", "order,payment",
                               "--log-format", "json", "--set", "delivery.max_attempts=3"});
    const auto& sources = std::get<CommandLine>(result).sources;
    const auto config = config::load_config(sources, builtin_settings());
    CHECK(config.server.listen == "0.0.0.0:9000");
    CHECK(config.storage.memory);
    CHECK(config.modules.enabled == std::vector<std::string>{"order", "payment"});
    CHECK(config.log.format == LogFormat::json);
    CHECK(config.delivery.max_attempts == 3);
}

TEST_CASE("an unknown flag exits 2 with one line", "[cli]") {
    std::string error;
    const auto result = parse({"--bogus"}, &error);
    REQUIRE(std::holds_alternative<int>(result));
    CHECK(std::get<int>(result) == 2);
    CHECK_THAT(error, Catch::Contains("--bogus"));
    CHECK(std::count(error.begin(), error.end(), '\n') == 1);
}

TEST_CASE("help and version exit 0", "[cli]") {
    CHECK(std::get<int>(parse({"--help"})) == 0);
    CHECK(std::get<int>(parse({"--version"})) == 0);
}

TEST_CASE("a --set without a value exits 2", "[cli]") {
    CHECK(std::get<int>(parse({"--set", "delivery.max_attempts"})) == 2);
}

}  // namespace shopd
