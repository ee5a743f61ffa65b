#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <utility>

#include "bus/delivery.hpp"

namespace shopd::bus {

class ModuleRuntime;
class Messaging;

// Delivers one module's committed outbox rows to the subscribing modules. Runs on the
// publishing module's strand. Per (subscriber, aggregate) one delivery is under way at a time,
// in outbox order; a failed delivery is retried with backoff and finally parked, holding back
// only the later messages of its own aggregate for that subscriber.
class OutboxDispatcher {
  public:
    OutboxDispatcher(ModuleRuntime& source, Messaging& messaging);

    // Thread-safe: look for deliverable rows soon.
    void wake();
    // Starts delivering; called once the databases are open.
    void start();
    // Starts no new deliveries; those under way finish.
    void stop();

  private:
    struct Pending;
    void pass();
    void deliver(Pending pending);
    struct Outcome;
    // Thread-safe: queues the outcome of a delivery for the publisher's next batch.
    void complete(Pending pending, DeliveryResult result);
    // In that batch: removes the delivery row, or records the failure (parking it at the last).
    void record(const Outcome& outcome);
    // On the strand, once the outcome is written (failure null) or could not be.
    void recorded(const Outcome& outcome, std::exception_ptr failure);
    // Arms the timer for the first retry due after `now`, the time the pass looked with.
    void schedule_retry_timer(std::int64_t now);

    ModuleRuntime& source_;
    Messaging& messaging_;
    boost::asio::steady_timer retry_timer_;
    std::atomic<bool> pass_scheduled_{false};
    std::atomic<bool> running_{false};
    std::set<std::pair<std::int64_t, std::string>> in_flight_;  // (seq, subscriber)
};

}  // namespace shopd::bus
