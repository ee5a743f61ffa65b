#include "relay/kafka_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/config_loader.hpp"

namespace shopd::relay {

std::string topic_of(const KafkaConfig& config, std::string_view module) {
    return fmt::format("{}.{}", config.topic_prefix, module);
}

void ClientEvents::event_cb(RdKafka::Event& event) {
    switch (event.type()) {
        case RdKafka::Event::EVENT_ERROR:
            if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) {
                if (!all_brokers_down_.exchange(true)) {
                    spdlog::warn("kafka {}: all brokers are down", client_);
                }
            } else if (event.fatal()) {
                spdlog::critical("kafka {}: fatal error: {}", client_, event.str());
            } else if (event.err() == RdKafka::ERR__TRANSPORT ||
                       event.err() == RdKafka::ERR__RESOLVE) {
                // A broker coming and going: the relay's reachability check reports the outage.
                spdlog::debug("kafka {}: {}", client_, event.str());
            } else {
                spdlog::warn("kafka {}: {}: {}", client_, RdKafka::err2str(event.err()),
                             event.str());
            }
            break;
        case RdKafka::Event::EVENT_LOG:
            // What librdkafka logs is repeated as an error event when it matters.
            if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_CRITICAL) {
                spdlog::error("kafka {}: {}: {}", client_, event.fac(), event.str());
            } else {
                spdlog::debug("kafka {}: {}: {}", client_, event.fac(), event.str());
            }
            break;
        default:
            break;
    }
}

std::unique_ptr<RdKafka::Conf> client_conf(
    const KafkaConfig& config, std::initializer_list<std::pair<const char*, std::string>> defaults,
    ClientEvents& events) {
    std::unique_ptr<RdKafka::Conf> conf{RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL)};
    std::string error;
    const auto set = [&](const std::string& name, const std::string& value, const char* origin) {
        if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
            throw ConfigError(fmt::format("{}: {}", origin, error));
        }
    };
    set("bootstrap.servers", config.brokers, "kafka.brokers");
    for (const auto& [name, value] : defaults) {
        set(name, value, "kafka client default");
    }
    for (const auto& property : config.client) {
        const auto equals = property.find('=');
        set(property.substr(0, equals), property.substr(equals + 1), "kafka.client");
    }
    if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events), error) !=
        RdKafka::Conf::CONF_OK) {
        throw std::logic_error(error);
    }
    return conf;
}

}  // namespace shopd::relay
