#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <shopd/envelope.hpp>
#include <shopd/statements.hpp>

#include "bus/delivery.hpp"
#include "bus/module_host.hpp"

namespace shopd::bus {

// What the dispatcher needs of the module whose outbox it delivers; ModuleRuntime is one.
class OutboxSource {
  public:
    using Strand = boost::asio::strand<boost::asio::any_io_executor>;

    virtual const std::string& name() const = 0;
    virtual Strand& strand() = 0;
    // Only on the strand.
    virtual SQLite::Database& database() = 0;
    virtual store::StatementCache& statements() = 0;
    // `write` runs in the module's next batch, `finish` on the strand after it, with null once
    // committed. Thread-safe.
    virtual void enqueue(std::function<void()> write,
                         std::function<void(std::exception_ptr)> finish) = 0;

  protected:
    ~OutboxSource() = default;
};

// Delivers one module's committed outbox rows to the subscribing modules. Runs on the
// publishing module's strand. Per (subscriber, aggregate) one delivery is under way at a time,
// in outbox order; a failed delivery is retried with backoff and finally parked, holding back
// only the later messages of its own aggregate for that subscriber.
//
// A delivery starts fresh: read from the outbox past the subscriber's progress, tracked in
// memory, and once it succeeded it only moves the subscriber's progress on (outbox_progress,
// written once per batch). A delivery that fails, or that must wait behind a failed one of its
// aggregate, is recorded as a row in outbox_delivery and goes on from there.
class OutboxDispatcher {
  public:
    OutboxDispatcher(OutboxSource& source, ModuleHost& host);

    // Thread-safe: look for deliverable rows soon.
    void wake();
    // Starts delivering. The first start, once every module is hosted and open, loads where the
    // deliveries stand, and waits for that on the strand: the executor must be running.
    void start();
    // Starts no new deliveries; those under way finish.
    void stop();
    // On the strand: business time moved, so the earliest retry may be due now.
    void clock_moved();
    // On the strand, stopped, with no delivery under way: the outbox was replaced behind the
    // dispatcher's back (a reset), so it loads where the deliveries stand again. Bookkeeping
    // of before that is still queued writes nothing and changes nothing once it runs.
    void reload();

    // Deliveries handed to a subscriber and not yet answered. Thread-safe.
    int delivering() const { return delivering_.load(); }

    // Deliveries waiting in the outbox, and those parked as dead letters. Thread-safe.
    std::int64_t pending() const { return pending_.load(); }
    std::int64_t parked() const { return parked_.load(); }
    // On the strand: looks up how long the oldest delivery still to make has waited, in
    // business time, for oldest_waiting_seconds() to tell. Thread-safe to read.
    void measure_waiting();
    double oldest_waiting_seconds() const { return oldest_waiting_seconds_.load(); }
    // A commit of the publisher added `deliveries` for hosted subscribers.
    void published(int deliveries) { pending_ += deliveries; }
    // A parked delivery was put back to be delivered again (a replayed dead letter).
    void unparked() {
        --parked_;
        ++pending_;
    }
    // On the strand: the recorded delivery `seq` became deliverable again behind the
    // dispatcher's back (a replayed dead letter), so the next pass reads from it.
    void reread_from(std::int64_t seq);

  private:
    struct Pending {
        std::int64_t seq;
        std::string subscriber;
        int attempts;   // failed attempts so far
        bool recorded;  // has a row in outbox_delivery
        std::shared_ptr<const Envelope> envelope;
    };
    struct Outcome;
    using LaneKey = std::pair<std::string, std::string>;  // (subscriber, aggregate)
    // The fresh deliveries of one (subscriber, aggregate): one under way (or, while stopped,
    // none), the later ones waiting in outbox order.
    struct Lane {
        bool busy = true;
        std::deque<Pending> waiting;
    };
    struct Progress {
        std::int64_t loaded_through = 0;   // settled when the dispatcher loaded
        std::int64_t saved_through = 0;    // as last committed
        std::int64_t saving_through = 0;   // as the queued write writes it
        std::set<std::int64_t> unsettled;  // fresh deliveries read, not yet settled
    };

    // Reads each hosted subscriber's progress and the recorded deliveries, and counts the
    // deliveries still to make.
    void load();
    // The hosted subscribers of each type this module publishes.
    void load_routes();
    // Each hosted subscriber's progress, started for a new one; returns the fresh deliveries
    // still to make.
    std::int64_t load_progress();
    // The recorded deliveries per lane; returns how many are pending and how many parked.
    std::pair<std::int64_t, std::int64_t> load_recorded();
    void pass();
    // Starts the recorded deliveries that are due and not held back, in outbox order.
    void pass_recorded(int& room);
    void read_recorded(SQLite::Statement& query, int& room, std::vector<Pending>& batch);
    // Reads the outbox past the cursor into fresh deliveries, and routes them.
    void pass_fresh(int& room);
    void read_fresh(SQLite::Statement& query, int& room, std::vector<Pending>& batch);
    using Reader = void (OutboxDispatcher::*)(SQLite::Statement&, int&, std::vector<Pending>&);
    // Runs `sql` for the rows after `after` through `read`; on a failure, logs it and returns
    // what was read before.
    std::vector<Pending> read_pass(const char* sql, std::int64_t after, int& room, Reader read);
    // A fresh delivery goes out now, waits behind the one of its lane under way, or is recorded
    // behind a failed one.
    void route(Pending pending);
    void deliver(Pending pending);
    // Thread-safe: a delivery finished. A fresh one that succeeded is settled in memory; any
    // other outcome is written in the publisher's next batch.
    void complete(Pending pending, DeliveryResult result);
    void delivered_fresh(const Pending& pending);
    // In that batch: records the failure of a fresh delivery, removes a recorded one that
    // succeeded, or records its failure (parking it at the last).
    void record(const Outcome& outcome);
    // On the strand, once the outcome is written (failure null) or could not be.
    void recorded(const Outcome& outcome, std::exception_ptr failure);
    // Writes a fresh delivery as a recorded one that waits behind an earlier one of its lane.
    void record_held(Pending pending);
    // The fresh delivery under way in `lane` settled: the next one waiting goes out.
    void advance(std::map<LaneKey, Lane>::iterator lane);
    // The fresh delivery of `key` failed: the ones waiting behind it are recorded.
    void hold_lane(const LaneKey& key);
    void settle(const Pending& pending);
    void forget_recorded(const LaneKey& key);
    // The row `seq` waits for a retry due at `due_ms`: the timer brings a pass back to it.
    void retry_later(std::int64_t seq, std::int64_t due_ms);
    void arm_retry();
    // A batch holding this dispatcher's bookkeeping did not commit (a full disk, an I/O error):
    // what it wrote goes on after a backoff that grows with the failures in a row, instead of
    // at once, which would spin while the disk stays full. Logged once per interval, with the
    // count.
    enum class Redo {
        deliver,   // the outcome of `pending` was not written: it is delivered again
        reroute,   // `pending` was not recorded as held back: it is routed afresh
        progress,  // the subscribers' progress was not saved
    };
    void write_failed(Redo redo, std::optional<Pending> pending, std::exception_ptr failure);
    void write_succeeded();
    // The timer of write_failed fired (`resume`) or was cancelled by stop().
    void after_write_failures(bool resume);
    std::int64_t settled_through(const Progress& progress) const;
    bool progress_changed() const;
    // Writes the subscribers' progress in the next batch, unless a write is already queued.
    void save_progress();

    OutboxSource& source_;
    ModuleHost& host_;
    boost::asio::steady_timer retry_timer_;
    std::atomic<bool> pass_scheduled_{false};
    std::atomic<bool> running_{false};
    // The rest only on the strand.

    // The hosted subscribers of each type this module publishes.
    std::map<std::string, std::vector<std::string>, std::less<>> routes_;
    bool loaded_ = false;
    std::map<std::string, Progress, std::less<>> progress_;
    bool progress_save_queued_ = false;
    // Fresh deliveries read from the outbox: every row up to the cursor is read.
    std::int64_t cursor_ = 0;
    std::int64_t unsettled_ = 0;
    std::map<LaneKey, Lane> lanes_;
    // Rows in outbox_delivery per lane, counting those being written.
    std::map<LaneKey, int> recorded_;

    // Recorded deliveries.
    std::set<std::pair<std::int64_t, std::string>> in_flight_;  // (seq, subscriber)
    // A pass reads only recorded rows after this cursor: those up to it are in flight,
    // delivered, parked, or noted below to be read again when they can go.
    std::int64_t recorded_cursor_ = 0;
    // (subscriber, aggregate) -> the first row held back behind an earlier one of that pair:
    // read again once a delivery of the pair completes.
    std::map<LaneKey, std::int64_t> held_;
    // The first row waiting for a retry, and when the earliest retry is due.
    std::int64_t retry_from_seq_ = 0;
    std::int64_t retry_due_ms_ = 0;

    // Deliveries whose bookkeeping could not be written, waiting for write_retry_timer_.
    struct WriteRetry {
        Redo redo;
        std::optional<Pending> pending;
    };
    boost::asio::steady_timer write_retry_timer_;
    std::vector<WriteRetry> write_retries_;
    int write_failures_ = 0;  // in a row
    int unlogged_failures_ = 0;
    std::chrono::steady_clock::time_point failures_logged_at_{};
    std::atomic<std::int64_t> pending_{0};
    std::atomic<std::int64_t> parked_{0};
    std::atomic<double> oldest_waiting_seconds_{0};
    std::atomic<int> delivering_{0};
    // Counts reloads; queued bookkeeping of an earlier one is void. Changed on the strand.
    std::atomic<std::uint64_t> generation_{0};
    // Queues `write` and `finish` in the module's next batch, void should a reload come first.
    void enqueue_bookkeeping(std::function<void()> write,
                             std::function<void(std::exception_ptr)> finish);
};

}  // namespace shopd::bus
