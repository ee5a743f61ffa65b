#pragma once
// The platform's settings, with their built-in defaults, and the values given to the modules'
// own settings. config/shopd.toml documents the same defaults; SHOPD_<SECTION>_<KEY>
// environment variables and command-line flags override it.

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace shopd {

// A setting that cannot be used; `what()` is one line naming the setting, where it came from
// and what is wrong with it.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A value given to a setting: as text (environment, --set, code) or as the config file holds
// it, with where it came from for the message when it is wrong.
struct SettingValue {
    std::variant<std::string, boost::json::value> value;
    std::string
        origin;  // e.g. "config/shopd.toml:12", "environment variable SHOPD_ORDER_MAX_LINES"

    bool operator==(const SettingValue&) const = default;
};

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
    // Open connections at most. An eighth of them is kept for /healthz, /readyz and /metrics,
    // and near the limit the longest idle connection is closed to make room for a new one.
    int max_connections = 1024;
    // Open connections from one client address at most (loopback is one address like any other).
    int max_connections_per_client = 256;
    // Bytes an event stream may hold for a client that does not read them; past that the client
    // is sent a last event asking it to reconnect, and dropped.
    std::int64_t stream_buffer_bytes = 1024 * 1024;
    int json_max_depth = 32;
    std::chrono::milliseconds shutdown_timeout{10'000};
    // How long the answer to a request with an Idempotency-Key is kept for its repeats.
    std::chrono::milliseconds idempotency_ttl{24 * 60 * 60 * 1000};
    // Units of work waiting for a transaction plus deliveries waiting in outboxes, over all
    // modules, above which routes that take new work in (POST /api/orders) answer 503.
    std::int64_t max_backlog = 20'000;
    // No longer used: the API viewer is built into shopd. Still read, with a warning, so that
    // a config file of before keeps working.
    std::string docs_dir;
    // Serves /api/test/: the shop clock, idle, the journal, reset and snapshots, for test suites.
    bool test_mode = false;
    // Origins (scheme://host[:port]) whose pages may call the API from a browser; empty: none.
    std::vector<std::string> cors_origins;
    // Addresses of reverse proxies whose X-Forwarded-For names the client for rate limits.
    std::vector<std::string> trusted_proxies;
    // PEM certificate chain and key: the port then speaks TLS 1.2+ only; SIGHUP re-reads them.
    std::string tls_cert;
    std::string tls_key;
    // PEM CA: a client certificate it signed authenticates its holder as operator.
    std::string tls_client_ca;

    bool operator==(const ServerConfig&) const = default;
};

struct StorageConfig {
    std::string data_dir = "data";
    bool memory = false;
    Durability durability = Durability::normal;
    // Units of work (requests, deliveries) a module commits together in one transaction.
    int max_batch = 256;
    // How long the first unit of work queued for an idle module waits before its transaction
    // starts, so that the work arriving meanwhile commits with it. 0: it starts at once, and
    // only what queued during the last transaction shares the next.
    std::chrono::microseconds batch_wait{0};
    // Delivered messages (outbox) and handled ones (inbox) are kept this long, then deleted.
    std::chrono::milliseconds message_retention{7LL * 24 * 60 * 60 * 1000};

    bool operator==(const StorageConfig&) const = default;
};

struct ModulesConfig {
    std::vector<std::string> enabled;  // empty: every module

    bool operator==(const ModulesConfig&) const = default;
};

// The Kafka relay: every module's outbox is produced to the topic <topic_prefix>.<module>, and
// in split mode (modules.enabled a subset) the messages of modules hosted elsewhere are
// consumed from their topics.
struct KafkaConfig {
    std::string brokers;  // HOST:PORT[,HOST:PORT...]; empty: no relay
    std::string topic_prefix = "shopd";
    // Which shop this process belongs to, for shops sharing a cluster and topic prefix: sent as
    // the header shop_id, and a consumed message with another (or none) is skipped and counted.
    // Empty: no header is sent and every message is taken.
    std::string shop_id;
    // librdkafka properties passed through, each "name=value" (security.protocol=ssl, ...).
    std::vector<std::string> client;
    // Outbox rows handed to the producer and not yet acknowledged, per module.
    int max_in_flight = 10'000;

    bool operator==(const KafkaConfig&) const = default;
};

struct LogConfig {
    std::string level = "info";
    LogFormat format = LogFormat::text;
    // One line per request (method, route, status, duration, bytes, client, actor), written by
    // a thread of its own in the format above.
    bool access = true;

    bool operator==(const LogConfig&) const = default;
};

// The touch screen's page, /kiosk.
struct KioskConfig {
    // Without a touch for this long, the kiosk drops the cart and shows its attract screen.
    std::chrono::milliseconds idle_timeout{90'000};

    bool operator==(const KioskConfig&) const = default;
};

// OpenTelemetry's standard samplers (OTEL_TRACES_SAMPLER).
enum class TraceSampler {
    always_on,
    always_off,
    traceidratio,
    parentbased_always_on,
    parentbased_always_off,
    parentbased_traceidratio,
};

// Traces exported over OTLP/HTTP. The standard OTEL_* environment variables set these too,
// over the config file and under SHOPD_TELEMETRY_* and flags.
struct TelemetryConfig {
    // Base URL of the collector (as OTEL_EXPORTER_OTLP_ENDPOINT); /v1/traces is appended.
    // Empty: no span is recorded or sent.
    std::string otlp_endpoint;
    // http/json, OTLP's JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL).
    std::string otlp_protocol = "http/json";
    // Headers sent with every export, each "name=value" (OTEL_EXPORTER_OTLP_HEADERS).
    std::vector<std::string> otlp_headers;
    std::string service_name = "shopd";
    // Resource attributes besides service.name, each "key=value" (OTEL_RESOURCE_ATTRIBUTES).
    std::vector<std::string> resource_attributes;
    TraceSampler sampler = TraceSampler::parentbased_always_on;
    // The ratio of the traceidratio samplers, 0 to 1 (OTEL_TRACES_SAMPLER_ARG).
    std::string sampler_arg = "1.0";
    // Finished spans waiting for export at most; past that new ones are dropped and counted.
    int max_queued_spans = 4096;
    std::chrono::milliseconds export_interval{1000};

    bool operator==(const TelemetryConfig&) const = default;
};

// Token buckets per client (its key, else its JWT's sub, else its address).
struct RateLimitConfig {
    // auto: on once credentials exist, off while shopd serves open and in test mode.
    std::optional<bool> enabled;
    std::int64_t intake_per_minute = 600;  // routes that take new work in (POST /api/orders)
    std::int64_t read_per_minute = 6'000;  // every other API route
    // Requests a client may send at once above its rate; 0: ten seconds' worth.
    std::int64_t burst = 0;

    bool operator==(const RateLimitConfig&) const = default;
};

// Who may call: API keys (kept in keys.db under the data directory), JWT bearer tokens, and
// what stays open without credentials.
struct AuthConfig {
    // Serve requests without credentials as admin even off loopback: for a demo only.
    bool open = false;
    std::string jwt_hs256_secret;  // at least 32 bytes; empty: HS256 tokens refused
    std::string jwks_file;         // RS256/ES256 public keys; empty: those tokens refused
    std::string jwt_issuer;        // empty: iss not checked
    std::string jwt_audience;      // empty: aud not checked
    // Operations served without credentials, as "METHOD /path" of the OpenAPI document.
    std::vector<std::string> public_operations{"GET /api/products", "GET /api/products/{sku}",
                                               "GET /api/products/{sku}/image", "GET /metrics"};
    // Whether mutating calls are written to the audit (GET /api/admin/audit).
    bool audit = true;
    // How long the audit keeps an entry.
    std::int64_t audit_retention_days = 90;

    bool operator==(const AuthConfig&) const = default;
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
    KafkaConfig kafka;
    LogConfig log;
    TelemetryConfig telemetry;
    DeliveryConfig delivery;
    AuthConfig auth;
    RateLimitConfig rate_limit;
    KioskConfig kiosk;
    // The modules' settings, "section.key" to the value given; what is not here keeps the
    // default its module declares (shopd/settings.hpp). Checked against the declarations when
    // loaded and again when the App hosts the modules.
    std::map<std::string, SettingValue, std::less<>> module_settings;

    // Gives a module's setting ("order.step_timeout_ms") a value as text, as --set would.
    void set(std::string setting, std::string text) {
        module_settings[std::move(setting)] = {std::move(text), "set in code"};
    }

    bool operator==(const Config&) const = default;
};

}  // namespace shopd
