#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/metrics.hpp>

#include "bus/delivery.hpp"
#include "bus/intake_parking.hpp"
#include "bus/message_bus.hpp"
#include "bus/module_runtime.hpp"

namespace shopd::bus {

struct DeadLetter {
    std::string id;  // <publishing module>.<outbox seq>.<subscriber>
    std::string publisher;
    std::string subscriber;
    std::string message_id;
    std::string type;
    int version = 1;
    std::string aggregate_type;
    std::string aggregate_id;
    std::string correlation_id;
    int attempts = 0;
    std::string error;
    std::string parked_at;
    std::string payload;
};

struct OutboxBacklog {
    std::string module;
    std::int64_t pending = 0;
    std::int64_t parked = 0;
};

// The hosted modules and the delivery of messages between them.
class Messaging {
  public:
    // Business time (`clock`) stamps the messages and times their retries; moving it makes
    // every hosted module look again at once at what waits on it.
    Messaging(const MessageBus& bus, DeliveryPolicy policy, telemetry::MetricsRegistry& metrics,
              ShopClock& clock);
    ~Messaging();

    ModuleRuntime& host(std::string name, boost::asio::any_io_executor executor);
    ModuleRuntime* find(std::string_view name) const;
    std::vector<ModuleRuntime*> modules() const;

    void start();
    void stop();

    const MessageBus& bus() const { return bus_; }
    const ShopClock& clock() const { return clock_; }

    // What `module` handles that a module hosted elsewhere publishes, as (publisher, type).
    std::vector<std::pair<std::string, std::string>> handled_from_elsewhere(
        std::string_view module) const;
    const DeliveryPolicy& policy() const { return policy_; }

    // Admin operations; `done` is called once, from some module's strand.
    void list_dead_letters(std::function<void(std::vector<DeadLetter>)> done);
    enum class ReplayResult { replayed, not_found, failed };
    void replay_dead_letter(const std::string& id, std::function<void(ReplayResult)> done);
    std::vector<OutboxBacklog> backlog() const;
    // Units of work waiting for a transaction plus deliveries pending, over every module.
    std::int64_t work_waiting() const;

    struct Metrics {
        telemetry::CounterFamily& published;
        telemetry::CounterFamily& delivered;
        telemetry::CounterFamily& retried;
        telemetry::CounterFamily& dead_lettered;
        telemetry::HistogramFamily& batch_units;
    };
    Metrics& metrics() { return metrics_; }

  private:
    // Split mode: replays a message parked in the subscriber's own database.
    void replay_parked(ModuleRuntime& subscriber, std::int64_t seq,
                       std::function<void(ReplayResult)> done);
    // Delivers a parked message, then each one held behind it, in order, until one fails.
    void deliver_parked(ModuleRuntime& subscriber, ParkedMessage message);

    const MessageBus& bus_;
    ShopClock& clock_;
    DeliveryPolicy policy_;
    Metrics metrics_;
    std::map<std::string, std::unique_ptr<ModuleRuntime>, std::less<>> modules_;
    std::atomic<bool> started_{false};  // the clock's moves reach the modules only meanwhile
};

}  // namespace shopd::bus
