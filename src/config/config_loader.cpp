#include "config/config_loader.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json/array.hpp>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <functional>
#include <spdlog/common.h>
#include <toml++/toml.h>

#include <shopd/ids.hpp>

extern char** environ;

namespace shopd::config {
namespace {

// A rule that a string setting holds only the characters of a name, up to `limit` of them.
std::function<void(const std::string&)> name_like(std::size_t minimum, std::size_t limit) {
    return [minimum, limit](const std::string& value) {
        if (value.size() < minimum || value.size() > limit || !is_identifier(value)) {
            throw BadValue{fmt::format("expected {} letters, digits, '.', '_' or '-', got '{}'",
                                       minimum == 0 ? fmt::format("up to {}", limit)
                                                    : fmt::format("{}-{}", minimum, limit),
                                       value)};
        }
    };
}

// A rule that each item of a list setting is "name=value".
std::function<void(const std::vector<std::string>&)> name_values() {
    return [](const std::vector<std::string>& value) {
        for (const auto& item : value) {
            if (item.find('=') == std::string::npos || item.front() == '=') {
                throw BadValue{fmt::format("expected name=value, got '{}'", item)};
            }
        }
    };
}

// The platform's own sections, each with where its values live in Config.
struct PlatformSection {
    SettingsSection section;
    void* (*values)(Config&);
};

const std::vector<PlatformSection>& platform_sections() {
    using std::chrono::milliseconds;
    static const std::vector<PlatformSection> all{
        {Settings<ServerConfig>("server")
             .add(
                 "listen", &ServerConfig::listen,
                 "Address and port of the HTTP API, HOST:PORT (port 0: any free; empty: no socket, "
                 "for an embedding program's in-process requests)",
                 std::function<void(const std::string&)>{[](const std::string& value) {
                     if (!value.empty() && !parse_listen_address(value)) {
                         throw BadValue{fmt::format(
                             "expected HOST:PORT with an IP address or localhost, got '{}'",
                             value)};
                     }
                 }})
             .add("threads", &ServerConfig::threads, "Worker threads running HTTP and module work",
                  at_least(1))
             .add("body_limit_bytes", &ServerConfig::body_limit_bytes,
                  "Largest request body accepted (larger: 413)", at_least<std::int64_t>(1))
             .add("header_limit_bytes", &ServerConfig::header_limit_bytes,
                  "Largest request header accepted (larger: 431)", at_least<std::int64_t>(512))
             .add("header_timeout_ms", &ServerConfig::header_timeout,
                  "Time a connection may take to send a complete request header, idle included",
                  at_least(milliseconds{1}))
             .add("body_timeout_ms", &ServerConfig::body_timeout,
                  "Time a client may take to send a request body", at_least(milliseconds{1}))
             .add("max_connections", &ServerConfig::max_connections,
                  "Open connections at most, an eighth kept for /healthz, /readyz and /metrics; "
                  "near it the longest idle one is closed, and past it 503",
                  at_least(1))
             .add("max_connections_per_client", &ServerConfig::max_connections_per_client,
                  "Open connections from one client address at most; past it its longest idle "
                  "one is closed, or 503",
                  at_least(1))
             .add("stream_buffer_bytes", &ServerConfig::stream_buffer_bytes,
                  "Bytes an event stream holds for a client that does not read; past it the "
                  "client is told to reconnect and dropped",
                  at_least<std::int64_t>(1024))
             .add("json_max_depth", &ServerConfig::json_max_depth,
                  "Deepest nesting accepted in a JSON request body", at_least(1))
             .add("shutdown_timeout_ms", &ServerConfig::shutdown_timeout,
                  "Time in-flight work gets to finish after SIGTERM before shopd exits anyway",
                  at_least(milliseconds{0}))
             .add("idempotency_ttl_ms", &ServerConfig::idempotency_ttl,
                  "How long the answer to a request with an Idempotency-Key is kept for repeats",
                  at_least(milliseconds{1}))
             .add("max_backlog", &ServerConfig::max_backlog,
                  "Queued work and undelivered messages above which new orders get 503",
                  at_least(std::int64_t{1}))
             .add("docs_dir", &ServerConfig::docs_dir,
                  "No longer used: the API viewer of /docs is built into shopd")
             .add("test_mode", &ServerConfig::test_mode,
                  "Serve /api/test/ for test suites: the shop clock, idle, the journal, reset and "
                  "snapshots")
             .add("cors_origins", &ServerConfig::cors_origins,
                  "Origins (scheme://host[:port]) whose pages may call the API; empty: none",
                  std::function<void(const std::vector<std::string>&)>{
                      [](const std::vector<std::string>& value) {
                          for (const auto& origin : value) {
                              const auto scheme = origin.find("://");
                              const bool legal =
                                  (origin.starts_with("http://") ||
                                   origin.starts_with("https://")) &&
                                  origin.size() > scheme + 3 &&
                                  origin.find_first_of("/?#", scheme + 3) == std::string::npos;
                              if (!legal) {
                                  throw BadValue{fmt::format(
                                      "expected an origin like https://shop.example:8443 (no "
                                      "path), got '{}'",
                                      origin)};
                              }
                          }
                      }})
             .add("tls_cert", &ServerConfig::tls_cert,
                  "PEM certificate chain: the port speaks TLS 1.2+ only; SIGHUP re-reads it")
             .add("tls_key", &ServerConfig::tls_key, "PEM private key of server.tls_cert")
             .add("tls_client_ca", &ServerConfig::tls_client_ca,
                  "PEM CA whose client certificates authenticate their holder as operator")
             .rule([](const ServerConfig& server) {
                 if (server.tls_cert.empty() != server.tls_key.empty()) {
                     throw BadValue{"tls_cert and tls_key: give both or neither"};
                 }
                 if (!server.tls_client_ca.empty() && server.tls_cert.empty()) {
                     throw BadValue{"tls_client_ca: needs tls_cert and tls_key"};
                 }
             })
             .add("trusted_proxies", &ServerConfig::trusted_proxies,
                  "Addresses of reverse proxies whose X-Forwarded-For names the client",
                  std::function<void(const std::vector<std::string>&)>{
                      [](const std::vector<std::string>& value) {
                          for (const auto& address : value) {
                              boost::system::error_code error;
                              boost::asio::ip::make_address(address, error);
                              if (error) {
                                  throw BadValue{
                                      fmt::format("expected an IP address, got '{}'", address)};
                              }
                          }
                      }}),
         [](Config& config) -> void* { return &config.server; }},
        {Settings<StorageConfig>("storage")
             .add("data_dir", &StorageConfig::data_dir,
                  "Directory of the SQLite files, one per module", not_empty())
             .add("memory", &StorageConfig::memory,
                  "Keep every database in memory (nothing survives a restart)")
             .choice(
                 "durability", &StorageConfig::durability,
                 "normal: a crash loses nothing committed; full: a power loss neither",
                 Choices<Durability>{{"normal", Durability::normal}, {"full", Durability::full}})
             .add("max_batch", &StorageConfig::max_batch,
                  "Units of work (requests, deliveries) a module commits in one transaction",
                  at_least(1))
             .add("batch_wait_us", &StorageConfig::batch_wait,
                  "How long a module's first queued unit of work waits for others to share its "
                  "transaction",
                  at_least(std::chrono::microseconds{0}))
             .add("message_retention_ms", &StorageConfig::message_retention,
                  "How long delivered and handled messages are kept before they are deleted",
                  at_least(milliseconds{1})),
         [](Config& config) -> void* { return &config.storage; }},
        {Settings<ModulesConfig>("modules").add("enabled", &ModulesConfig::enabled,
                                                "Modules this process hosts; empty: all of them"),
         [](Config& config) -> void* { return &config.modules; }},
        {Settings<KafkaConfig>("kafka")
             .add("brokers", &KafkaConfig::brokers,
                  "Kafka bootstrap servers HOST:PORT[,...]: relays every outbox; empty: no relay")
             .add("topic_prefix", &KafkaConfig::topic_prefix,
                  "Topic of a module's messages: <topic_prefix>.<module>", name_like(1, 200))
             .add("shop_id", &KafkaConfig::shop_id,
                  "This shop's id in the header shop_id; consumed messages of another shop are "
                  "skipped. Empty: none sent, all taken",
                  name_like(0, 64))
             .add("client", &KafkaConfig::client,
                  "librdkafka properties passed through, each \"name=value\"", name_values())
             .add("max_in_flight", &KafkaConfig::max_in_flight,
                  "Outbox rows handed to Kafka and not yet acknowledged, per module", at_least(1)),
         [](Config& config) -> void* { return &config.kafka; }},
        {Settings<LogConfig>("log")
             .add("level", &LogConfig::level, "trace, debug, info, warn, error, critical or off",
                  std::function<void(const std::string&)>{[](const std::string& value) {
                      const auto level = spdlog::level::from_str(value);
                      if (level == spdlog::level::off && value != "off") {
                          throw BadValue{
                              fmt::format("expected trace, debug, info, warn, error, "
                                          "critical or off, got '{}'",
                                          value)};
                      }
                  }})
             .choice("format", &LogConfig::format, "text, or json for one JSON object per line",
                     Choices<LogFormat>{{"text", LogFormat::text}, {"json", LogFormat::json}})
             .add("access", &LogConfig::access,
                  "One line per request: method, route, status, duration, bytes, client, actor"),
         [](Config& config) -> void* { return &config.log; }},
        {Settings<KioskConfig>("kiosk").add(
             "idle_timeout_ms", &KioskConfig::idle_timeout,
             "Without a touch for this long, the kiosk page drops the cart and shows its attract "
             "screen",
             at_least(milliseconds{1000})),
         [](Config& config) -> void* { return &config.kiosk; }},
        {Settings<TelemetryConfig>("telemetry")
             .add("otlp_endpoint", &TelemetryConfig::otlp_endpoint,
                  "OTLP/HTTP collector base URL, /v1/traces appended; empty: no tracing "
                  "(OTEL_EXPORTER_OTLP_ENDPOINT)",
                  std::function<void(const std::string&)>{[](const std::string& value) {
                      if (!value.empty() && !value.starts_with("http://") &&
                          !value.starts_with("https://")) {
                          throw BadValue{
                              fmt::format("expected an http:// or https:// URL, got '{}'", value)};
                      }
                  }})
             .add("otlp_protocol", &TelemetryConfig::otlp_protocol,
                  "http/json, OTLP's JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL)",
                  std::function<void(const std::string&)>{[](const std::string& value) {
                      if (value != "http/json") {
                          throw BadValue{fmt::format(
                              "expected http/json, got '{}' (shopd is built without protobuf "
                              "and gRPC)",
                              value)};
                      }
                  }})
             .add("otlp_headers", &TelemetryConfig::otlp_headers,
                  "Headers of every export, each \"name=value\" (OTEL_EXPORTER_OTLP_HEADERS)",
                  name_values())
             .add("service_name", &TelemetryConfig::service_name,
                  "service.name of the exported spans (OTEL_SERVICE_NAME)", name_like(1, 128))
             .add("resource_attributes", &TelemetryConfig::resource_attributes,
                  "Resource attributes, each \"key=value\" (OTEL_RESOURCE_ATTRIBUTES)",
                  name_values())
             .choice("sampler", &TelemetryConfig::sampler,
                     "always_on, always_off, traceidratio or parentbased_ of each "
                     "(OTEL_TRACES_SAMPLER)",
                     Choices<TraceSampler>{
                         {"always_on", TraceSampler::always_on},
                         {"always_off", TraceSampler::always_off},
                         {"traceidratio", TraceSampler::traceidratio},
                         {"parentbased_always_on", TraceSampler::parentbased_always_on},
                         {"parentbased_always_off", TraceSampler::parentbased_always_off},
                         {"parentbased_traceidratio", TraceSampler::parentbased_traceidratio}})
             .add("sampler_arg", &TelemetryConfig::sampler_arg,
                  "Ratio of the traceidratio samplers, 0 to 1 (OTEL_TRACES_SAMPLER_ARG)",
                  std::function<void(const std::string&)>{[](const std::string& value) {
                      if (!sampling_ratio(value)) {
                          throw BadValue{
                              fmt::format("expected a number from 0 to 1, got '{}'", value)};
                      }
                  }})
             .add("max_queued_spans", &TelemetryConfig::max_queued_spans,
                  "Finished spans waiting for export at most; more are dropped and counted",
                  at_least(1))
             .add("export_interval_ms", &TelemetryConfig::export_interval,
                  "Longest wait of a finished span before it is sent", at_least(milliseconds{1})),
         [](Config& config) -> void* { return &config.telemetry; }},
        {Settings<RateLimitConfig>("rate_limit")
             .add("enabled", &RateLimitConfig::enabled,
                  "true, false, or auto: on once credentials exist, off while open and in test "
                  "mode")
             .add("intake_per_minute", &RateLimitConfig::intake_per_minute,
                  "Requests a minute per client to routes that take new work in",
                  at_least(std::int64_t{1}))
             .add("read_per_minute", &RateLimitConfig::read_per_minute,
                  "Requests a minute per client to every other API route",
                  at_least(std::int64_t{1}))
             .add("burst", &RateLimitConfig::burst,
                  "Requests a client may send at once above its rate; 0: ten seconds' worth",
                  at_least(std::int64_t{0})),
         [](Config& config) -> void* { return &config.rate_limit; }},
        {Settings<AuthConfig>("auth")
             .add("open", &AuthConfig::open,
                  "Serve requests without credentials as admin, even off loopback (a demo only)")
             .add("jwt_hs256_secret", &AuthConfig::jwt_hs256_secret,
                  "Secret of HS256 bearer tokens, at least 32 bytes; empty: HS256 refused")
             .add("jwks_file", &AuthConfig::jwks_file,
                  "JWKS file of the RS256/ES256 token keys, re-read when it changes")
             .add("jwt_issuer", &AuthConfig::jwt_issuer,
                  "Required iss of bearer tokens; empty: not checked")
             .add("jwt_audience", &AuthConfig::jwt_audience,
                  "Required aud of bearer tokens; empty: not checked")
             .add("audit", &AuthConfig::audit,
                  "Write each mutating call with its caller to the audit")
             .add("audit_retention_days", &AuthConfig::audit_retention_days,
                  "Days the audit of mutating calls keeps an entry", at_least(std::int64_t{1}))
             .add("public", &AuthConfig::public_operations,
                  "Operations served without credentials, each \"METHOD /path\"",
                  std::function<void(const std::vector<std::string>&)>{
                      [](const std::vector<std::string>& value) {
                          for (const auto& operation : value) {
                              const auto space = operation.find(' ');
                              if (space == std::string::npos || space == 0 ||
                                  operation.find(' ', space + 1) != std::string::npos ||
                                  operation.size() < space + 2 || operation[space + 1] != '/') {
                                  throw BadValue{fmt::format("expected \"METHOD /path\", got '{}'",
                                                             operation)};
                              }
                          }
                      }})
             .rule([](const AuthConfig& auth) {
                 if (!auth.jwt_hs256_secret.empty() && auth.jwt_hs256_secret.size() < 32) {
                     throw BadValue{fmt::format("jwt_hs256_secret: at least 32 bytes, got {}",
                                                auth.jwt_hs256_secret.size())};
                 }
             }),
         [](Config& config) -> void* { return &config.auth; }},
        {Settings<DeliveryConfig>("delivery")
             .add("retry_base_ms", &DeliveryConfig::retry_base,
                  "Wait before retrying a failed delivery; doubles", at_least(milliseconds{1}))
             .add("retry_cap_ms", &DeliveryConfig::retry_cap,
                  "Longest wait between two delivery attempts", at_least(milliseconds{1}))
             .add("max_attempts", &DeliveryConfig::max_attempts,
                  "Attempts before a delivery is parked as dead letter", at_least(1))
             .add("max_in_flight", &DeliveryConfig::max_in_flight,
                  "Deliveries under way at once per publishing module", at_least(1))
             .rule([](const DeliveryConfig& delivery) {
                 if (delivery.retry_cap < delivery.retry_base) {
                     throw BadValue{"retry_cap_ms: must not be less than delivery.retry_base_ms"};
                 }
             }),
         [](Config& config) -> void* { return &config.delivery; }},
    };
    return all;
}

std::string environment_variable(const std::string& section, const std::string& key) {
    std::string name = "SHOPD_" + section + "_" + key;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return name;
}

// Where a value came from and which setting it is, for the start of an error message.
std::string where(const std::string& name, const SettingValue& value) {
    return std::holds_alternative<std::string>(value.value)
               ? fmt::format("{} ({})", name, value.origin)
               : fmt::format("{}: {}", value.origin, name);
}

void assign(const SettingsSection::Entry& entry, void* values, const std::string& name,
            const SettingValue& value) {
    try {
        if (const auto* text = std::get_if<std::string>(&value.value)) {
            entry.from_text(values, *text);
        } else {
            entry.from_value(values, std::get<boost::json::value>(value.value));
        }
    } catch (const BadValue& bad) {
        throw ConfigError(fmt::format("{}: {}", where(name, value), bad.reason));
    }
}

void check_rules(const SettingsSection& section, const void* values) {
    try {
        section.check(values);
    } catch (const BadValue& bad) {
        throw ConfigError(fmt::format("{}.{}", section.name(), bad.reason));
    }
}

// Edits (insertions, deletions, substitutions) that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const auto above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// "; did you mean X?" when exactly one of `candidates` is a slip of the keyboard away, or the
// name without its unit (_ms, _us).
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
    constexpr std::size_t kMostEdits = 2;
    constexpr std::size_t kUnitSuffix = 3;
    std::vector<const std::string*> close;
    for (const auto& candidate : candidates) {
        const bool unit_left_out =
            candidate.starts_with(name) && candidate.size() - name.size() <= kUnitSuffix;
        if (unit_left_out || edit_distance(name, candidate) <= kMostEdits) {
            close.push_back(&candidate);
        }
    }
    return close.size() == 1 ? fmt::format("; did you mean {}?", *close.front()) : std::string{};
}

// Every setting: the platform's sections and the modules', and the values being loaded into
// them. A module's values are checked on a scratch copy of its settings and kept as given.
class Registry {
  public:
    explicit Registry(const std::vector<SettingsSection>& modules) : modules_(modules) {
        for (const auto& module : modules_) {
            scratch_.push_back(module.defaults());
        }
    }

    std::vector<std::string> names() const {
        std::vector<std::string> names;
        const auto add = [&](const SettingsSection& section) {
            for (const auto& entry : section.entries()) {
                names.push_back(section.name() + "." + entry.key);
            }
        };
        for (const auto& platform : platform_sections()) {
            add(platform.section);
        }
        for (const auto& module : modules_) {
            add(module);
        }
        return names;
    }

    // The setting of SHOPD_<SECTION>_<KEY>, or empty.
    std::string name_of_variable(std::string_view variable) const {
        for (const auto& name : names()) {
            const auto dot = name.find('.');
            if (environment_variable(name.substr(0, dot), name.substr(dot + 1)) == variable) {
                return name;
            }
        }
        return {};
    }

    bool known(std::string_view name) const { return locate(name).entry != nullptr; }

    // Gives `name` the value; false when no section declares it.
    bool apply(Config& config, const std::string& name, SettingValue value) {
        const auto found = locate(name);
        if (found.entry == nullptr) {
            return false;
        }
        if (found.platform != nullptr) {
            assign(*found.entry, found.platform->values(config), name, value);
            return true;
        }
        assign(*found.entry, scratch_[found.module].get(), name, value);
        config.module_settings[name] = std::move(value);
        return true;
    }

    void check_rules(Config& config) const {
        for (const auto& platform : platform_sections()) {
            config::check_rules(platform.section, platform.values(config));
        }
        for (std::size_t i = 0; i < modules_.size(); ++i) {
            config::check_rules(modules_[i], scratch_[i].get());
        }
    }

  private:
    struct Located {
        const SettingsSection::Entry* entry = nullptr;
        const PlatformSection* platform = nullptr;  // null: modules_[module]
        std::size_t module = 0;
    };
    Located locate(std::string_view name) const {
        const auto dot = name.find('.');
        if (dot == std::string_view::npos) {
            return {};
        }
        const auto section = name.substr(0, dot);
        const auto key = name.substr(dot + 1);
        for (const auto& platform : platform_sections()) {
            if (platform.section.name() == section) {
                return {platform.section.find(key), &platform, 0};
            }
        }
        for (std::size_t i = 0; i < modules_.size(); ++i) {
            if (modules_[i].name() == section) {
                return {modules_[i].find(key), nullptr, i};
            }
        }
        return {};
    }

    const std::vector<SettingsSection>& modules_;
    std::vector<std::shared_ptr<void>> scratch_;
};

// A value of the file as the settings read it: JSON of the same shape.
boost::json::value json_of(const toml::node& node) {
    if (const auto* text = node.as_string()) {
        return boost::json::string(text->get());
    }
    if (const auto* number = node.as_integer()) {
        return number->get();
    }
    if (const auto* flag = node.as_boolean()) {
        return flag->get();
    }
    if (const auto* real = node.as_floating_point()) {
        return real->get();
    }
    if (const auto* array = node.as_array()) {
        boost::json::array items;
        for (const auto& element : *array) {
            items.push_back(json_of(element));
        }
        return items;
    }
    return boost::json::object{};  // a table or a date: no setting reads one
}

// `parse` reads the TOML named `origin` in messages.
void apply_toml(Registry& registry, Config& config, const std::string& source,
                const std::function<toml::table()>& parse) {
    toml::table table;
    try {
        table = parse();
    } catch (const toml::parse_error& error) {
        throw ConfigError(
            fmt::format("{}:{}: {}", source, error.source().begin.line, error.description()));
    }
    for (const auto& [section, section_node] : table) {
        const auto* section_table = section_node.as_table();
        if (section_table == nullptr) {
            throw ConfigError(fmt::format("{}:{}: '{}' is not a known section", source,
                                          section_node.source().begin.line, section.str()));
        }
        for (const auto& entry : *section_table) {
            const auto& node = entry.second;
            const auto name = fmt::format("{}.{}", section.str(), entry.first.str());
            SettingValue value{json_of(node),
                               fmt::format("{}:{}", source, node.source().begin.line)};
            const auto origin = value.origin;
            if (!registry.apply(config, name, std::move(value))) {
                throw ConfigError(fmt::format("{}: {}: unknown setting{}", origin, name,
                                              did_you_mean(name, registry.names())));
            }
        }
    }
}

void apply_environment(Registry& registry, Config& config,
                       const std::map<std::string, std::string>& environment,
                       std::vector<std::string>* warnings) {
    for (const auto& [variable, text] : environment) {
        if (!variable.starts_with("SHOPD_")) {
            continue;
        }
        const auto name = registry.name_of_variable(variable);
        if (name.empty()) {
            if (warnings != nullptr) {
                std::vector<std::string> variables;
                for (const auto& known : registry.names()) {
                    const auto dot = known.find('.');
                    variables.push_back(
                        environment_variable(known.substr(0, dot), known.substr(dot + 1)));
                }
                warnings->push_back(
                    fmt::format("environment variable {}: no such setting, ignored{}", variable,
                                did_you_mean(variable, variables)));
            }
            continue;
        }
        registry.apply(config, name, {text, "environment variable " + variable});
    }
}

// OpenTelemetry's standard variables, for the settings they name.
void apply_opentelemetry_environment(Registry& registry, Config& config,
                                     const std::map<std::string, std::string>& environment) {
    static const std::pair<const char*, const char*> kStandard[] = {
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry.otlp_endpoint"},
        {"OTEL_EXPORTER_OTLP_PROTOCOL", "telemetry.otlp_protocol"},
        {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "telemetry.otlp_protocol"},
        {"OTEL_EXPORTER_OTLP_HEADERS", "telemetry.otlp_headers"},
        {"OTEL_SERVICE_NAME", "telemetry.service_name"},
        {"OTEL_RESOURCE_ATTRIBUTES", "telemetry.resource_attributes"},
        {"OTEL_TRACES_SAMPLER", "telemetry.sampler"},
        {"OTEL_TRACES_SAMPLER_ARG", "telemetry.sampler_arg"},
    };
    for (const auto& [variable, setting] : kStandard) {
        if (const auto given = environment.find(variable); given != environment.end()) {
            registry.apply(config, setting,
                           {given->second, std::string{"environment variable "} + variable});
        }
    }
    if (const auto disabled = environment.find("OTEL_SDK_DISABLED");
        disabled != environment.end() && disabled->second == "true") {
        config.telemetry.otlp_endpoint.clear();
    }
}

}  // namespace

std::optional<double> sampling_ratio(std::string_view text) {
    double ratio = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ratio);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || ratio < 0 ||
        ratio > 1) {
        return std::nullopt;
    }
    return ratio;
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::nullopt;
    }
    auto host = text.substr(0, colon);
    const auto port_text = text.substr(colon + 1);
    unsigned short port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size()) {
        return std::nullopt;
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host == "localhost") {
        return ListenAddress{"127.0.0.1", port};
    }
    boost::system::error_code invalid;
    boost::asio::ip::make_address(host, invalid);
    if (invalid) {
        return std::nullopt;
    }
    return ListenAddress{std::string{host}, port};
}

Config load_config(const ConfigSources& sources, const std::vector<SettingsSection>& modules,
                   std::vector<std::string>* warnings) {
    Config config;
    Registry registry(modules);
    if (sources.file) {
        if (!std::filesystem::is_regular_file(*sources.file)) {
            throw ConfigError(fmt::format("{}: config file not found", sources.file->string()));
        }
        const auto path = sources.file->string();
        apply_toml(registry, config, path, [&path] { return toml::parse_file(path); });
    }
    if (sources.text) {
        apply_toml(registry, config, "config", [&text = *sources.text] {
            return toml::parse(std::string_view{text}, std::string_view{"config"});
        });
    }
    apply_opentelemetry_environment(registry, config, sources.environment);
    apply_environment(registry, config, sources.environment, warnings);
    for (const auto& override : sources.overrides) {
        if (!registry.apply(config, override.setting, {override.value, override.flag})) {
            throw ConfigError(fmt::format("{}: unknown setting{}", override.setting,
                                          did_you_mean(override.setting, registry.names())));
        }
    }
    registry.check_rules(config);
    return config;
}

std::shared_ptr<void> module_settings(const SettingsSection& section, const Config& config) {
    auto values = section.defaults();
    const auto prefix = section.name() + ".";
    for (auto given = config.module_settings.lower_bound(prefix);
         given != config.module_settings.end() && given->first.starts_with(prefix); ++given) {
        const auto* entry = section.find(std::string_view{given->first}.substr(prefix.size()));
        if (entry == nullptr) {
            throw ConfigError(
                fmt::format("{}: unknown setting", where(given->first, given->second)));
        }
        assign(*entry, values.get(), given->first, given->second);
    }
    if (values) {
        check_rules(section, values.get());
    }
    return values;
}

void check_module_settings_known(const Config& config,
                                 const std::vector<SettingsSection>& modules) {
    const Registry registry(modules);
    for (const auto& [name, value] : config.module_settings) {
        if (!registry.known(name)) {
            throw ConfigError(fmt::format("{}: unknown setting{}", where(name, value),
                                          did_you_mean(name, registry.names())));
        }
    }
}

std::vector<SettingInfo> describe_settings(const std::vector<SettingsSection>& modules) {
    std::vector<SettingInfo> infos;
    const auto describe = [&](const SettingsSection& section, const void* defaults) {
        for (const auto& entry : section.entries()) {
            infos.push_back({section.name() + "." + entry.key,
                             environment_variable(section.name(), entry.key), entry.help,
                             entry.show(defaults)});
        }
    };
    Config defaults;
    for (const auto& platform : platform_sections()) {
        describe(platform.section, platform.values(defaults));
    }
    for (const auto& module : modules) {
        describe(module, module.defaults().get());
    }
    return infos;
}

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> environment;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text{*entry};
        const auto equals = text.find('=');
        if (equals != std::string_view::npos) {
            environment.emplace(text.substr(0, equals), text.substr(equals + 1));
        }
    }
    return environment;
}

}  // namespace shopd::config
