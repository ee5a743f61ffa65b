#include "config/config_loader.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <functional>
#include <spdlog/common.h>
#include <toml++/toml.h>

extern char** environ;

namespace shopd::config {
namespace {

// Why a value is unusable; the caller adds which setting and where it came from.
struct BadValue {
    std::string reason;
};

template <class T>
struct Codec;

template <>
struct Codec<std::string> {
    static std::string from_text(std::string_view text) { return std::string{text}; }
    static std::string from_toml(const toml::node& node) {
        if (const auto* value = node.as_string()) {
            return value->get();
        }
        throw BadValue{"expected a string"};
    }
    static std::string to_text(const std::string& value) { return fmt::format("\"{}\"", value); }
};

template <>
struct Codec<bool> {
    static bool from_text(std::string_view text) {
        if (text == "true" || text == "1") {
            return true;
        }
        if (text == "false" || text == "0") {
            return false;
        }
        throw BadValue{fmt::format("expected true or false, got '{}'", text)};
    }
    static bool from_toml(const toml::node& node) {
        if (const auto* value = node.as_boolean()) {
            return value->get();
        }
        throw BadValue{"expected true or false"};
    }
    static std::string to_text(bool value) { return value ? "true" : "false"; }
};

template <>
struct Codec<std::int64_t> {
    static std::int64_t from_text(std::string_view text) {
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc{} || end != text.data() + text.size()) {
            throw BadValue{fmt::format("expected a whole number, got '{}'", text)};
        }
        return value;
    }
    static std::int64_t from_toml(const toml::node& node) {
        if (const auto* value = node.as_integer()) {
            return value->get();
        }
        throw BadValue{"expected a whole number"};
    }
    static std::string to_text(std::int64_t value) { return std::to_string(value); }
};

template <>
struct Codec<int> {
    static int narrow(std::int64_t value) {
        if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
            throw BadValue{fmt::format("{} is out of range", value)};
        }
        return static_cast<int>(value);
    }
    static int from_text(std::string_view text) {
        return narrow(Codec<std::int64_t>::from_text(text));
    }
    static int from_toml(const toml::node& node) {
        return narrow(Codec<std::int64_t>::from_toml(node));
    }
    static std::string to_text(int value) { return std::to_string(value); }
};

// A duration is a whole number of its unit, which the setting's name carries (_ms, _us).
template <class Rep, class Period>
struct Codec<std::chrono::duration<Rep, Period>> {
    using Duration = std::chrono::duration<Rep, Period>;
    static Duration from_text(std::string_view text) {
        return Duration{Codec<std::int64_t>::from_text(text)};
    }
    static Duration from_toml(const toml::node& node) {
        return Duration{Codec<std::int64_t>::from_toml(node)};
    }
    static std::string to_text(Duration value) { return std::to_string(value.count()); }
};

template <>
struct Codec<std::vector<std::string>> {
    static std::vector<std::string> from_text(std::string_view text) {
        std::vector<std::string> items;
        while (!text.empty()) {
            const auto comma = text.find(',');
            const auto item = text.substr(0, comma);
            if (item.empty()) {
                throw BadValue{"expected a comma-separated list without empty items"};
            }
            items.emplace_back(item);
            text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        }
        return items;
    }
    static std::vector<std::string> from_toml(const toml::node& node) {
        const auto* array = node.as_array();
        if (array == nullptr) {
            throw BadValue{"expected an array of strings"};
        }
        std::vector<std::string> items;
        for (const auto& element : *array) {
            items.push_back(Codec<std::string>::from_toml(element));
        }
        return items;
    }
    static std::string to_text(const std::vector<std::string>& value) {
        std::string text;
        for (const auto& item : value) {
            text += (text.empty() ? "\"" : ", \"") + item + "\"";
        }
        return "[" + text + "]";
    }
};

template <>
struct Codec<std::vector<std::int64_t>> {
    static std::vector<std::int64_t> from_text(std::string_view text) {
        std::vector<std::int64_t> numbers;
        for (const auto& item : Codec<std::vector<std::string>>::from_text(text)) {
            numbers.push_back(Codec<std::int64_t>::from_text(item));
        }
        return numbers;
    }
    static std::vector<std::int64_t> from_toml(const toml::node& node) {
        const auto* array = node.as_array();
        if (array == nullptr) {
            throw BadValue{"expected an array of whole numbers"};
        }
        std::vector<std::int64_t> numbers;
        for (const auto& element : *array) {
            numbers.push_back(Codec<std::int64_t>::from_toml(element));
        }
        return numbers;
    }
    static std::string to_text(const std::vector<std::int64_t>& value) {
        std::string text;
        for (const auto number : value) {
            text += (text.empty() ? "" : ", ") + std::to_string(number);
        }
        return "[" + text + "]";
    }
};

// An enumeration read from its name.
template <class E>
struct EnumCodec {
    using Names = std::vector<std::pair<std::string_view, E>>;
    static E from_text(std::string_view text, const Names& names) {
        for (const auto& [name, value] : names) {
            if (name == text) {
                return value;
            }
        }
        std::string expected;
        for (const auto& [name, value] : names) {
            expected += (expected.empty() ? "" : " or ") + std::string{name};
        }
        throw BadValue{fmt::format("expected {}, got '{}'", expected, text)};
    }
    static std::string to_text(E value, const Names& names) {
        for (const auto& [name, candidate] : names) {
            if (candidate == value) {
                return fmt::format("\"{}\"", name);
            }
        }
        return {};
    }
};

const EnumCodec<Durability>::Names kDurabilityNames{{"normal", Durability::normal},
                                                    {"full", Durability::full}};
const EnumCodec<LogFormat>::Names kLogFormatNames{{"text", LogFormat::text},
                                                  {"json", LogFormat::json}};

template <>
struct Codec<Durability> {
    static Durability from_text(std::string_view text) {
        return EnumCodec<Durability>::from_text(text, kDurabilityNames);
    }
    static Durability from_toml(const toml::node& node) {
        return from_text(Codec<std::string>::from_toml(node));
    }
    static std::string to_text(Durability value) {
        return EnumCodec<Durability>::to_text(value, kDurabilityNames);
    }
};

template <>
struct Codec<LogFormat> {
    static LogFormat from_text(std::string_view text) {
        return EnumCodec<LogFormat>::from_text(text, kLogFormatNames);
    }
    static LogFormat from_toml(const toml::node& node) {
        return from_text(Codec<std::string>::from_toml(node));
    }
    static std::string to_text(LogFormat value) {
        return EnumCodec<LogFormat>::to_text(value, kLogFormatNames);
    }
};

struct Setting {
    std::string section;
    std::string key;
    std::string description;
    std::function<void(Config&, std::string_view)> set_from_text;
    std::function<void(Config&, const toml::node&)> set_from_toml;
    std::function<std::string(const Config&)> show;

    std::string name() const { return section + "." + key; }
    std::string environment_variable() const {
        std::string name = "SHOPD_" + section + "_" + key;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        return name;
    }
};

template <class T>
using Check = std::function<void(const T&)>;

template <class Section, class T>
Setting setting(std::string section, std::string key, std::string description,
                Section Config::*section_member, T Section::*member, Check<T> check = {}) {
    auto assign = [section_member, member, check](Config& config, T value) {
        if (check) {
            check(value);
        }
        config.*section_member.*member = std::move(value);
    };
    return Setting{
        std::move(section),
        std::move(key),
        std::move(description),
        [assign](Config& config, std::string_view text) {
            assign(config, Codec<T>::from_text(text));
        },
        [assign](Config& config, const toml::node& node) {
            assign(config, Codec<T>::from_toml(node));
        },
        [section_member, member](const Config& config) {
            return Codec<T>::to_text(config.*section_member.*member);
        },
    };
}

template <class T>
Check<T> at_least(T minimum) {
    return [minimum](const T& value) {
        if (value < minimum) {
            throw BadValue{fmt::format("must be at least {}", Codec<T>::to_text(minimum))};
        }
    };
}

const std::vector<Setting>& settings() {
    using std::chrono::milliseconds;
    static const std::vector<Setting> all{
        setting("server", "listen",
                "Address and port of the HTTP API, HOST:PORT (port 0: any free)", &Config::server,
                &ServerConfig::listen, Check<std::string>{[](const std::string& value) {
                    if (!parse_listen_address(value)) {
                        throw BadValue{fmt::format(
                            "expected HOST:PORT with an IP address or localhost, got '{}'", value)};
                    }
                }}),
        setting("server", "threads", "Worker threads running HTTP and module work", &Config::server,
                &ServerConfig::threads, at_least(1)),
        setting("server", "body_limit_bytes", "Largest request body accepted (larger: 413)",
                &Config::server, &ServerConfig::body_limit_bytes, at_least<std::int64_t>(1)),
        setting("server", "header_limit_bytes", "Largest request header accepted (larger: 431)",
                &Config::server, &ServerConfig::header_limit_bytes, at_least<std::int64_t>(512)),
        setting("server", "header_timeout_ms",
                "Time a connection may take to send a complete request header, idle included",
                &Config::server, &ServerConfig::header_timeout, at_least(milliseconds{1})),
        setting("server", "body_timeout_ms", "Time a client may take to send a request body",
                &Config::server, &ServerConfig::body_timeout, at_least(milliseconds{1})),
        setting("server", "max_connections",
                "Open connections at most, an eighth kept for /healthz, /readyz and /metrics; "
                "near it the longest idle one is closed, and past it 503",
                &Config::server, &ServerConfig::max_connections, at_least(1)),
        setting("server", "max_connections_per_client",
                "Open connections from one client address at most; past it its longest idle "
                "one is closed, or 503",
                &Config::server, &ServerConfig::max_connections_per_client, at_least(1)),
        setting("server", "stream_buffer_bytes",
                "Bytes an event stream holds for a client that does not read; past it the "
                "client is told to reconnect and dropped",
                &Config::server, &ServerConfig::stream_buffer_bytes, at_least<std::int64_t>(1024)),
        setting("server", "json_max_depth", "Deepest nesting accepted in a JSON request body",
                &Config::server, &ServerConfig::json_max_depth, at_least(1)),
        setting("server", "shutdown_timeout_ms",
                "Time in-flight work gets to finish after SIGTERM before shopd exits anyway",
                &Config::server, &ServerConfig::shutdown_timeout, at_least(milliseconds{0})),
        setting("server", "idempotency_ttl_ms",
                "How long the answer to a request with an Idempotency-Key is kept for repeats",
                &Config::server, &ServerConfig::idempotency_ttl, at_least(milliseconds{1})),
        setting("server", "max_backlog",
                "Queued work and undelivered messages above which new orders get 503",
                &Config::server, &ServerConfig::max_backlog, at_least(std::int64_t{1})),
        setting("server", "docs_dir", "Directory of the swagger-ui-dist files that /docs serves",
                &Config::server, &ServerConfig::docs_dir),
        setting("storage", "data_dir", "Directory of the SQLite files, one per module",
                &Config::storage, &StorageConfig::data_dir,
                Check<std::string>{[](const std::string& value) {
                    if (value.empty()) {
                        throw BadValue{"must not be empty"};
                    }
                }}),
        setting("storage", "memory", "Keep every database in memory (nothing survives a restart)",
                &Config::storage, &StorageConfig::memory),
        setting("storage", "durability",
                "normal: a crash loses nothing committed; full: a power loss neither",
                &Config::storage, &StorageConfig::durability),
        setting("storage", "max_batch",
                "Units of work (requests, deliveries) a module commits in one transaction",
                &Config::storage, &StorageConfig::max_batch, at_least(1)),
        setting("storage", "batch_wait_us",
                "How long a module's first queued unit of work waits for others to share its "
                "transaction",
                &Config::storage, &StorageConfig::batch_wait,
                at_least(std::chrono::microseconds{0})),
        setting("storage", "message_retention_ms",
                "How long delivered and handled messages are kept before they are deleted",
                &Config::storage, &StorageConfig::message_retention, at_least(milliseconds{1})),
        setting("modules", "enabled", "Modules this process hosts; empty: all of them",
                &Config::modules, &ModulesConfig::enabled),
        setting("kafka", "brokers",
                "Kafka bootstrap servers HOST:PORT[,...]: relays every outbox; empty: no relay",
                &Config::kafka, &KafkaConfig::brokers),
        setting("kafka", "topic_prefix", "Topic of a module's messages: <topic_prefix>.<module>",
                &Config::kafka, &KafkaConfig::topic_prefix,
                Check<std::string>{[](const std::string& value) {
                    const bool legal = !value.empty() && value.size() <= 200 &&
                                       std::all_of(value.begin(), value.end(), [](char c) {
                                           return std::isalnum(static_cast<unsigned char>(c)) ||
                                                  c == '.' || c == '_' || c == '-';
                                       });
                    if (!legal) {
                        throw BadValue{fmt::format(
                            "expected 1-200 letters, digits, '.', '_' or '-', got '{}'", value)};
                    }
                }}),
        setting("kafka", "shop_id",
                "This shop's id in the header shop_id; consumed messages of another shop are "
                "skipped. Empty: none sent, all taken",
                &Config::kafka, &KafkaConfig::shop_id,
                Check<std::string>{[](const std::string& value) {
                    const bool legal =
                        value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                                   c == '_' || c == '-';
                        });
                    if (!legal) {
                        throw BadValue{fmt::format(
                            "expected up to 64 letters, digits, '.', '_' or '-', got '{}'", value)};
                    }
                }}),
        setting("kafka", "client", "librdkafka properties passed through, each \"name=value\"",
                &Config::kafka, &KafkaConfig::client,
                Check<std::vector<std::string>>{[](const std::vector<std::string>& value) {
                    for (const auto& property : value) {
                        if (property.find('=') == std::string::npos || property.front() == '=') {
                            throw BadValue{fmt::format("expected name=value, got '{}'", property)};
                        }
                    }
                }}),
        setting("kafka", "max_in_flight",
                "Outbox rows handed to Kafka and not yet acknowledged, per module", &Config::kafka,
                &KafkaConfig::max_in_flight, at_least(1)),
        setting("log", "level", "trace, debug, info, warn, error, critical or off", &Config::log,
                &LogConfig::level, Check<std::string>{[](const std::string& value) {
                    const auto level = spdlog::level::from_str(value);
                    if (level == spdlog::level::off && value != "off") {
                        throw BadValue{fmt::format(
                            "expected trace, debug, info, warn, error, critical or off, got '{}'",
                            value)};
                    }
                }}),
        setting("log", "format", "text, or json for one JSON object per line", &Config::log,
                &LogConfig::format),
        setting("delivery", "retry_base_ms", "Wait before retrying a failed delivery; doubles",
                &Config::delivery, &DeliveryConfig::retry_base, at_least(milliseconds{1})),
        setting("delivery", "retry_cap_ms", "Longest wait between two delivery attempts",
                &Config::delivery, &DeliveryConfig::retry_cap, at_least(milliseconds{1})),
        setting("delivery", "max_attempts", "Attempts before a delivery is parked as dead letter",
                &Config::delivery, &DeliveryConfig::max_attempts, at_least(1)),
        setting("delivery", "max_in_flight", "Deliveries under way at once per publishing module",
                &Config::delivery, &DeliveryConfig::max_in_flight, at_least(1)),
        setting("inventory", "reservation_ttl_ms",
                "A reservation neither committed nor released lapses after this",
                &Config::inventory, &InventoryConfig::reservation_ttl, at_least(milliseconds{1})),
        setting("inventory", "expiry_check_interval_ms", "How often lapsed reservations are freed",
                &Config::inventory, &InventoryConfig::expiry_check_interval,
                at_least(milliseconds{1})),
        setting("inventory", "low_stock_threshold",
                "LowStock is published when available stock falls below this", &Config::inventory,
                &InventoryConfig::low_stock_threshold, at_least<std::int64_t>(0)),
        setting("order", "step_timeout_ms",
                "Time each saga step may take before the order is cancelled (timeout)",
                &Config::order, &OrderConfig::step_timeout, at_least(milliseconds{1})),
        setting("order", "deadline_check_interval_ms", "How often step deadlines are checked",
                &Config::order, &OrderConfig::deadline_check_interval, at_least(milliseconds{1})),
        setting("order", "max_lines", "Most lines one order may have", &Config::order,
                &OrderConfig::max_lines, at_least(1)),
        setting("order", "max_quantity", "Largest quantity of one order line", &Config::order,
                &OrderConfig::max_quantity, at_least<std::int64_t>(1)),
        setting("shipping", "carrier", "Carrier named on every shipment", &Config::shipping,
                &ShippingConfig::carrier, Check<std::string>{[](const std::string& value) {
                    if (value.empty()) {
                        throw BadValue{"must not be empty"};
                    }
                }}),
        setting("shipping", "flat_cost_cents", "Cost of a shipment when no weight bands are set",
                &Config::shipping, &ShippingConfig::flat_cost_cents, at_least<std::int64_t>(0)),
        setting("shipping", "weight_band_limits_grams",
                "Upper weight of each band, ascending; empty: flat cost", &Config::shipping,
                &ShippingConfig::weight_band_limits_grams),
        setting("shipping", "weight_band_costs_cents",
                "Cost of each band, and last the cost above the last limit", &Config::shipping,
                &ShippingConfig::weight_band_costs_cents),
        setting("notification", "template_confirmed", "Text of the order-confirmed notification",
                &Config::notification, &NotificationConfig::template_confirmed),
        setting("notification", "template_cancelled", "Text of the order-cancelled notification",
                &Config::notification, &NotificationConfig::template_cancelled),
        setting("notification", "template_shipped", "Text of the order-shipped notification",
                &Config::notification, &NotificationConfig::template_shipped),
        setting("notification", "template_delivered", "Text of the order-delivered notification",
                &Config::notification, &NotificationConfig::template_delivered),
        setting("notification", "template_refunded", "Text of the payment-refunded notification",
                &Config::notification, &NotificationConfig::template_refunded),
        setting("notification", "webhook_url",
                "http:// URL every notification is POSTed to as JSON; empty: none",
                &Config::notification, &NotificationConfig::webhook_url,
                Check<std::string>{[](const std::string& value) {
                    if (!value.empty() && !value.starts_with("http://")) {
                        throw BadValue{fmt::format("expected an http:// URL, got '{}'", value)};
                    }
                }}),
        setting("notification", "webhook_secret",
                "Key of the X-Shopd-Signature HMAC-SHA256 of each webhook body",
                &Config::notification, &NotificationConfig::webhook_secret),
        setting("notification", "webhook_timeout_ms", "Time one webhook request may take",
                &Config::notification, &NotificationConfig::webhook_timeout,
                at_least(milliseconds{1})),
        setting("notification", "webhook_retry_base_ms",
                "Wait before retrying a failed webhook; doubles", &Config::notification,
                &NotificationConfig::webhook_retry_base, at_least(milliseconds{1})),
        setting("notification", "webhook_max_attempts",
                "Webhook attempts before the notification is marked failed", &Config::notification,
                &NotificationConfig::webhook_max_attempts, at_least(1)),
    };
    return all;
}

const Setting* find_setting(std::string_view name) {
    const auto& all = settings();
    const auto found =
        std::find_if(all.begin(), all.end(), [&](const Setting& s) { return s.name() == name; });
    return found == all.end() ? nullptr : &*found;
}

// Runs `apply`, turning a BadValue into a ConfigError that names the setting and its origin.
template <class F>
void applying(const std::string& what, F&& apply) {
    try {
        apply();
    } catch (const BadValue& bad) {
        throw ConfigError(fmt::format("{}: {}", what, bad.reason));
    }
}

void apply_file(Config& config, const std::filesystem::path& path) {
    toml::table table;
    try {
        table = toml::parse_file(path.string());
    } catch (const toml::parse_error& error) {
        throw ConfigError(fmt::format("{}:{}: {}", path.string(), error.source().begin.line,
                                      error.description()));
    }
    for (const auto& [section, section_node] : table) {
        const auto* section_table = section_node.as_table();
        if (section_table == nullptr) {
            throw ConfigError(fmt::format("{}:{}: '{}' is not a known section", path.string(),
                                          section_node.source().begin.line, section.str()));
        }
        for (const auto& entry : *section_table) {
            const auto& node = entry.second;
            const auto name = fmt::format("{}.{}", section.str(), entry.first.str());
            const auto* known = find_setting(name);
            const auto where =
                fmt::format("{}:{}: {}", path.string(), node.source().begin.line, name);
            if (known == nullptr) {
                throw ConfigError(fmt::format("{}: unknown setting", where));
            }
            applying(where, [&] { known->set_from_toml(config, node); });
        }
    }
}

void apply_environment(Config& config, const std::map<std::string, std::string>& environment) {
    for (const auto& entry : environment) {
        const auto& variable = entry.first;
        if (!variable.starts_with("SHOPD_")) {
            continue;
        }
        const auto& all = settings();
        const auto known = std::find_if(all.begin(), all.end(), [&](const Setting& s) {
            return s.environment_variable() == variable;
        });
        if (known == all.end()) {
            throw ConfigError(fmt::format("environment variable {}: unknown setting", variable));
        }
        applying(fmt::format("{} (environment variable {})", known->name(), variable),
                 [&] { known->set_from_text(config, entry.second); });
    }
}

void check_weight_bands(const ShippingConfig& shipping) {
    const auto& limits = shipping.weight_band_limits_grams;
    const auto& costs = shipping.weight_band_costs_cents;
    if (limits.empty() && costs.empty()) {
        return;
    }
    if (costs.size() != limits.size() + 1) {
        throw ConfigError(fmt::format(
            "shipping.weight_band_costs_cents: expected {} costs for {} weight band limits",
            limits.size() + 1, limits.size()));
    }
    if (!std::is_sorted(limits.begin(), limits.end(), std::less_equal<>{}) || limits.front() <= 0) {
        throw ConfigError(
            "shipping.weight_band_limits_grams: expected positive limits in ascending order");
    }
    if (std::any_of(costs.begin(), costs.end(), [](std::int64_t cost) { return cost < 0; })) {
        throw ConfigError("shipping.weight_band_costs_cents: costs must not be negative");
    }
}

}  // namespace

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

Config load_config(const ConfigSources& sources) {
    Config config;
    if (sources.file) {
        if (!std::filesystem::is_regular_file(*sources.file)) {
            throw ConfigError(fmt::format("{}: config file not found", sources.file->string()));
        }
        apply_file(config, *sources.file);
    }
    apply_environment(config, sources.environment);
    for (const auto& override : sources.overrides) {
        const auto* known = find_setting(override.setting);
        if (known == nullptr) {
            throw ConfigError(fmt::format("{}: unknown setting", override.setting));
        }
        applying(fmt::format("{} ({})", known->name(), override.flag),
                 [&] { known->set_from_text(config, override.value); });
    }
    if (config.delivery.retry_cap < config.delivery.retry_base) {
        throw ConfigError("delivery.retry_cap_ms: must not be less than delivery.retry_base_ms");
    }
    check_weight_bands(config.shipping);
    return config;
}

std::vector<SettingInfo> describe_settings() {
    const Config defaults;
    std::vector<SettingInfo> infos;
    for (const auto& setting : settings()) {
        infos.push_back({setting.name(), setting.environment_variable(), setting.description,
                         setting.show(defaults)});
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
