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

#include "bus/dead_letter.hpp"
#include "bus/delivery.hpp"
#include "bus/intake_parking.hpp"
#include "bus/message_bus.hpp"
#include "bus/module_host.hpp"
#include "bus/module_runtime.hpp"

namespace shopd::bus {

// A delivery that failed at least once and is not done: retrying, or parked.
struct WaitingDelivery {
    std::string id;  // as a dead letter's: <publisher>.<outbox seq>.<subscriber>
    std::string publisher;
    std::string subscriber;
    std::string message_id;
    std::string type;
    std::string aggregate_id;
    std::string correlation_id;
    bool parked = false;
    int attempts = 0;
    std::string last_error;
    std::int64_t next_attempt_ms = 0;  // business time of the next try, while retrying
};

struct OutboxBacklog {
    std::string module;
    std::int64_t pending = 0;
    std::int64_t parked = 0;
    // Business time the oldest delivery still to make has waited, measured every second.
    double oldest_waiting_seconds = 0;
};

// The hosted modules and the delivery of messages between them.
class Messaging final : public ModuleHost {
  public:
    // Business time (`clock`) stamps the messages and times their retries; moving it makes
    // every hosted module look again at once at what waits on it.
    // Spans go to `tracer`, Tracer::disabled() where nothing is traced.
    Messaging(const MessageBus& bus, DeliveryPolicy policy, telemetry::MetricsRegistry& metrics,
              ShopClock& clock, telemetry::Tracer& tracer);
    ~Messaging();

    ModuleRuntime& host(std::string name, boost::asio::any_io_executor executor);
    ModuleRuntime* find(std::string_view name) const;
    std::vector<ModuleRuntime*> modules() const;

    void start();
    // Starts no new deliveries; those under way finish (see delivering()).
    void stop();
    // Deliveries handed to a subscriber and not yet answered, over every hosted module.
    int delivering() const;

    const MessageBus& bus() const override { return bus_; }
    const ShopClock& clock() const override { return clock_; }
    const DeliveryPolicy& policy() const override { return policy_; }
    BusMetrics& metrics() override { return metrics_; }
    telemetry::Tracer& tracer() override { return tracer_; }
    bool is_hosted(std::string_view module) const override { return find(module) != nullptr; }
    void deliver(std::string_view subscriber, Envelope envelope, OutboxPosition position,
                 std::function<void(DeliveryResult)> done) override;

    // What `module` handles that a module hosted elsewhere publishes, as (publisher, type).
    std::vector<std::pair<std::string, std::string>> handled_from_elsewhere(
        std::string_view module) const;

    // Admin operations; `done` is called once, from some module's strand.
    void list_dead_letters(std::function<void(std::vector<DeadLetter>)> done);
    // The deliveries that failed and are not done, oldest first in each publisher: of one
    // correlation (an order) or of all, retrying, parked or both, at most `limit`.
    struct DeliveryFilter {
        std::string correlation_id;  // empty: every correlation
        std::optional<bool> parked;  // unset: retrying and parked
        int limit = 50;
    };
    void list_deliveries(DeliveryFilter filter,
                         std::function<void(std::vector<WaitingDelivery>)> done);
    enum class ReplayResult { replayed, not_found, failed };
    void replay_dead_letter(const std::string& id, std::function<void(ReplayResult)> done);
    std::vector<OutboxBacklog> backlog() const;
    std::int64_t work_waiting() const override;
    bool journals() const override { return journal_ && journal_wanted_(); }
    void journal(std::string_view publisher, const Envelope& envelope) override {
        journal_(publisher, envelope);
    }
    // Hands every message committed from now on to `journal`, on the publisher's strand,
    // while `wanted` says so (asked at each unit of work: the copy costs only then). Before
    // start.
    void journal_to(std::function<void(std::string_view publisher, const Envelope&)> journal,
                    std::function<bool()> wanted) {
        journal_ = std::move(journal);
        journal_wanted_ = std::move(wanted);
    }

  private:
    // `read` run on every hosted module's strand; `done` gets what they all found.
    template <class Item>
    void gather(std::function<std::vector<Item>(ModuleRuntime&)> read,
                std::function<void(std::vector<Item>)> done);
    // Split mode: replays a message parked in the subscriber's own database.
    void replay_parked(ModuleRuntime& subscriber, std::int64_t seq,
                       std::function<void(ReplayResult)> done);
    // Delivers a parked message, then each one held behind it, in order, until one fails.
    void deliver_parked(ModuleRuntime& subscriber, ParkedMessage message);

    const MessageBus& bus_;
    ShopClock& clock_;
    telemetry::Tracer& tracer_;
    DeliveryPolicy policy_;
    BusMetrics metrics_;
    std::function<void(std::string_view, const Envelope&)> journal_;
    std::function<bool()> journal_wanted_;
    std::map<std::string, std::unique_ptr<ModuleRuntime>, std::less<>> modules_;
    std::atomic<bool> started_{false};  // the clock's moves reach the modules only meanwhile
};

}  // namespace shopd::bus
