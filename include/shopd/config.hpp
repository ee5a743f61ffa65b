#pragma once
// Every setting of shopd, with its built-in default. config/shopd.toml documents the same
// defaults; SHOPD_<SECTION>_<KEY> environment variables and command-line flags override it.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace shopd {

enum class Durability {
    normal,  // WAL + synchronous=NORMAL: a process crash loses nothing committed
    full,    // synchronous=FULL: a power loss loses nothing committed either
};

enum class LogFormat { text, json };

struct ServerConfig {
    std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
    int threads = 2;
    std::int64_t body_limit_bytes = 1024 * 1024;
    std::int64_t header_limit_bytes = 16 * 1024;
    std::chrono::milliseconds header_timeout{15'000};
    std::chrono::milliseconds body_timeout{30'000};
    int max_connections = 1024;
    int json_max_depth = 32;
    std::chrono::milliseconds shutdown_timeout{10'000};

    bool operator==(const ServerConfig&) const = default;
};

struct StorageConfig {
    std::string data_dir = "data";
    bool memory = false;
    Durability durability = Durability::normal;

    bool operator==(const StorageConfig&) const = default;
};

struct ModulesConfig {
    std::vector<std::string> enabled;  // empty: every module

    bool operator==(const ModulesConfig&) const = default;
};

struct LogConfig {
    std::string level = "info";
    LogFormat format = LogFormat::text;

    bool operator==(const LogConfig&) const = default;
};

struct DeliveryConfig {
    std::chrono::milliseconds retry_base{200};
    std::chrono::milliseconds retry_cap{60'000};
    int max_attempts = 8;
    int max_in_flight = 256;

    bool operator==(const DeliveryConfig&) const = default;
};

struct Config {
    ServerConfig server;
    StorageConfig storage;
    ModulesConfig modules;
    LogConfig log;
    DeliveryConfig delivery;

    bool operator==(const Config&) const = default;
};

}  // namespace shopd
