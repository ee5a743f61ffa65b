#pragma once
// What the relay's producer and the consumers of split mode share: their configuration from
// [kafka], the topic naming, and librdkafka's events in shopd's log.

#include <atomic>
#include <initializer_list>
#include <librdkafka/rdkafkacpp.h>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <shopd/config.hpp>

namespace shopd::relay {

std::string topic_of(const KafkaConfig& config, std::string_view module);

// Logs librdkafka's messages and remembers whether the brokers were last seen unreachable.
class ClientEvents final : public RdKafka::EventCb {
  public:
    explicit ClientEvents(std::string client) : client_(std::move(client)) {}
    void event_cb(RdKafka::Event& event) override;
    bool all_brokers_down() const { return all_brokers_down_; }
    void brokers_reached() { all_brokers_down_ = false; }

  private:
    std::string client_;
    std::atomic<bool> all_brokers_down_{false};
};

// bootstrap.servers, then `defaults` for the role, then kafka.client (which may override
// them), then the event callback. A property librdkafka refuses is a ConfigError.
std::unique_ptr<RdKafka::Conf> client_conf(
    const KafkaConfig& config, std::initializer_list<std::pair<const char*, std::string>> defaults,
    ClientEvents& events);

}  // namespace shopd::relay
