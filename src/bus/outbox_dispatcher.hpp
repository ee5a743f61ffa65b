#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <exception>
#include <map>
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
    // On the strand: the row `seq` became deliverable again behind the dispatcher's back (a
    // replayed dead letter), so the next pass reads from it.
    void reread_from(std::int64_t seq);

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
    // The row `seq` waits for a retry due at `due_ms`: the timer brings a pass back to it.
    void retry_later(std::int64_t seq, std::int64_t due_ms);

    ModuleRuntime& source_;
    Messaging& messaging_;
    boost::asio::steady_timer retry_timer_;
    std::atomic<bool> pass_scheduled_{false};
    std::atomic<bool> running_{false};
    // The rest only on the strand.
    std::set<std::pair<std::int64_t, std::string>> in_flight_;  // (seq, subscriber)
    // A pass reads only rows after the cursor: those up to it are in flight, delivered, parked,
    // or noted below to be read again when they can go.
    std::int64_t cursor_ = 0;
    // (subscriber, aggregate) -> the first row held back behind an earlier one of that pair:
    // read again once a delivery of the pair completes.
    std::map<std::pair<std::string, std::string>, std::int64_t> held_;
    // The first row waiting for a retry, and when the earliest retry is due.
    std::int64_t retry_from_seq_ = 0;
    std::int64_t retry_due_ms_ = 0;
};

}  // namespace shopd::bus
