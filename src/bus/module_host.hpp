#pragma once
// What a hosted module's runtime and its outbox dispatcher need of whatever hosts them: the
// message graph, the delivery rules, business time, the counters, and the way into another
// hosted module's inbox. Messaging is one; the runtime and the dispatcher know only this, so
// the dependencies run one way: Messaging -> ModuleRuntime -> OutboxDispatcher -> ModuleHost.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <shopd/clock.hpp>
#include <shopd/envelope.hpp>
#include <shopd/metrics.hpp>

#include "bus/delivery.hpp"

namespace shopd::telemetry {
class Tracer;
}

namespace shopd::bus {

class MessageBus;

struct BusMetrics {
    telemetry::CounterFamily& published;
    telemetry::CounterFamily& delivered;
    telemetry::CounterFamily& retried;
    telemetry::CounterFamily& dead_lettered;
    telemetry::HistogramFamily& batch_units;
};

class ModuleHost {
  public:
    virtual ~ModuleHost() = default;

    virtual const MessageBus& bus() const = 0;
    virtual const DeliveryPolicy& policy() const = 0;
    virtual const ShopClock& clock() const = 0;
    virtual BusMetrics& metrics() = 0;
    virtual telemetry::Tracer& tracer() = 0;
    // Whether `module` is hosted here, so its messages are delivered in this process.
    virtual bool is_hosted(std::string_view module) const = 0;
    // Hands the envelope, read from the publisher's outbox at `position`, to the hosted
    // `subscriber`, as ModuleRuntime::receive does.
    virtual void deliver(std::string_view subscriber, Envelope envelope, OutboxPosition position,
                         std::function<void(DeliveryResult)> done) = 0;
    // Units of work waiting for a transaction plus deliveries pending, over every module.
    virtual std::int64_t work_waiting() const = 0;
    // Whether every committed message is to be handed to journal() (test mode's journal).
    virtual bool journals() const = 0;
    virtual void journal(std::string_view publisher, const Envelope& envelope) = 0;
};

}  // namespace shopd::bus
