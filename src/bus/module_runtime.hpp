#pragma once

#include <SQLiteCpp/Database.h>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/envelope.hpp>
#include <shopd/statements.hpp>
#include <shopd/unit_of_work.hpp>

#include "bus/delivery.hpp"
#include "bus/outbox_dispatcher.hpp"

namespace shopd::telemetry {
class Histogram;
class Tracer;
}  // namespace shopd::telemetry

namespace shopd::bus {

class MessageBus;

// One hosted module: its database, and the serial executor every access to it runs on, so the
// code above never sees two transactions of one module at once.
class ModuleRuntime final : public OutboxSource {
  public:
    ModuleRuntime(std::string name, ModuleHost& host, boost::asio::any_io_executor executor);
    ~ModuleRuntime();

    // Attaches the migrated database; before this, no work may run.
    void open(std::unique_ptr<SQLite::Database> database);
    // Detaches and closes the database, once no work is left on the strand.
    void close();

    const std::string& name() const override { return name_; }
    Strand& strand() override { return strand_; }
    const MessageBus& bus() const;
    const ModuleHost& host() const { return host_; }
    telemetry::Tracer& tracer() const { return host_.tracer(); }
    const ShopClock& clock() const;
    bool is_hosted(std::string_view module) const;
    bool journals() const { return host_.journals(); }

    // Only on the strand, while open.
    SQLite::Database& database() override { return *database_; }
    store::StatementCache& statements() override { return *statements_; }

    // Work reaches the database in batches (group commit): whatever queued while the last
    // transaction ran is committed in the next one, up to DeliveryPolicy::max_batch units; the
    // first unit queued for an idle module waits DeliveryPolicy::batch_wait for company.
    // A unit that fails rolls back alone. For that, a unit may run twice: when one fails after
    // it changed rows, the batch is rolled back and the units that did not fail are written
    // again, each in a savepoint. So a unit must leave nothing outside its UnitOfWork and the
    // database that a second run would duplicate. Thread-safe.

    // Runs `work` as one unit of work. `done` runs on the strand: with null after the commit,
    // or with the exception after the rollback.
    void execute(MessageContext context, std::function<void(UnitOfWork&)> work,
                 std::function<void(std::exception_ptr)> done);

    // Runs `work`, which only reads, on the strand between batches: it sees what is committed,
    // and a batch that fails to commit (a full disk) does not fail it. `done` as for execute.
    void read(MessageContext context, std::function<void(UnitOfWork&)> work,
              std::function<void(std::exception_ptr)> done);

    // Hands the message to this module's subscriber, in one unit of work with its inbox record,
    // so a message is handled once however often it arrives. `done` runs on the strand once
    // the outcome is committed (or the batch failed). A message from a publisher hosted here
    // comes with its outbox position, by which it is recorded; one from Kafka by its id.
    void receive(Envelope envelope, std::function<void(DeliveryResult)> done,
                 std::optional<OutboxPosition> position = std::nullopt);

    // For the platform's own bookkeeping: `write` runs in the next batch, `finish` on the
    // strand after it, with null once committed.
    void enqueue(std::function<void()> write,
                 std::function<void(std::exception_ptr)> finish) override;

    // On the strand, between two batches: `action` reads the database (a snapshot copies it).
    void between_batches(std::function<void(SQLite::Database&)> action);
    // The same for `replace`, which changes the database wholesale (a reset, a restored
    // snapshot) while messages do not flow; the dispatcher then loads it afresh. `done` runs on
    // the strand, with the exception should `replace` throw.
    void replace_contents(std::function<void(SQLite::Database&)> replace,
                          std::function<void(std::exception_ptr)> done);

    // Units of work waiting for a transaction or in the one being committed, and clock moves
    // whose periodic work has not run yet.
    std::size_t queued() const;

    // Rows inserted, updated or deleted in this module's database by the transactions committed
    // so far (SQLite's count, taken as each commits). Thread-safe.
    std::int64_t rows_changed() const { return rows_changed_.load(std::memory_order_relaxed); }

    // Runs `tick` on the strand every `interval` while messages flow (between Messaging's
    // start and stop). Register before start.
    void every(std::chrono::milliseconds interval, std::function<void()> tick);

    // Calls `watch` on the strand after each commit that added rows to the outbox, with their
    // number. Register before start.
    void watch_outbox(std::function<void(std::size_t added)> watch);

    OutboxDispatcher& dispatcher() { return dispatcher_; }
    std::int64_t pending_deliveries() const { return dispatcher_.pending(); }
    // From a batch whose transaction could not commit (a full disk, an I/O error) until the
    // next one that commits.
    bool commits_failing() const { return commits_failing_.load(); }
    std::int64_t parked_deliveries() const { return dispatcher_.parked(); }

    // By Messaging, as messages start and stop flowing, and when business time moved (then
    // periodic work runs at once, and retries that came due are started).
    void start_periodic();
    void stop_periodic();
    void clock_moved();

  private:
    void committed(UnitOfWork& unit_of_work);
    // Ends the span of a unit of work: with its batch's size, and failed when it rolled back.
    void end_span(TraceSpan& span, std::exception_ptr failure) const;

    struct Periodic;
    struct Job {
        std::function<void()> write;                     // inside the batch's transaction
        std::function<void(std::exception_ptr)> finish;  // after it, on the strand
    };
    // On the strand: commits the next batch of queued jobs.
    void commit_batch();
    // Writes and commits the batch with no savepoints, which would copy every page a unit
    // touches into an undo journal: a unit that fails before changing a row needs no undo.
    // False, with the transaction rolled back, when a unit failed after changing rows. Either
    // way `failures` holds the units that failed.
    bool write_unguarded(std::vector<Job>& batch, std::vector<std::exception_ptr>& failures);
    // Writes and commits the units of the batch that have no failure yet, each in a savepoint,
    // so a failing one rolls back alone.
    void write_in_savepoints(std::vector<Job>& batch, std::vector<std::exception_ptr>& failures);
    // Whether the message was handled here before, as recorded in the database or by a unit
    // of the batch being written.
    bool handled_before(const Envelope& envelope, const std::optional<OutboxPosition>& position);
    // Writes the blocks of handled positions the batch's units set, one row each.
    void write_handled_blocks();
    // Reads whether the inbox table holds rows: once the database is opened, replaced or
    // written outside a unit of work.
    void learn_inbox_rows();

    std::string name_;
    ModuleHost& host_;
    Strand strand_;
    std::unique_ptr<SQLite::Database> database_;
    std::optional<store::StatementCache> statements_;
    OutboxDispatcher dispatcher_;
    boost::asio::steady_timer batch_timer_;  // the wait of a batch begun on an idle module
    std::vector<std::shared_ptr<Periodic>> periodic_;
    std::vector<std::function<void(std::size_t)>> outbox_watchers_;
    mutable std::mutex queue_mutex_;
    std::deque<Job> queue_;
    bool batch_scheduled_ = false;  // under queue_mutex_
    std::size_t writing_ = 0;       // jobs of the batch being committed, under queue_mutex_
    std::size_t batch_size_ = 0;    // of the batch being written, on the strand
    // (publisher, block of 64 positions) -> the bits the batch being written sets, on the strand
    std::map<std::pair<std::string, std::int64_t>, std::uint64_t> handled_blocks_;
    // Whether the inbox table of messages handled by id may hold rows. Most shops never write
    // one (in-process messages are recorded by position), and then no message need look there.
    bool inbox_has_rows_ = true;
    std::atomic<int> clock_moves_waiting_{0};
    telemetry::Histogram& batch_units_;
    std::atomic<bool> commits_failing_{false};
    std::atomic<std::int64_t> rows_changed_{0};
    std::int64_t rows_before_open_ = 0;  // counted on connections closed since
};

}  // namespace shopd::bus
