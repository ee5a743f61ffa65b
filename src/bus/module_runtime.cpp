#include "bus/module_runtime.hpp"

#include <SQLiteCpp/Transaction.h>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <stdexcept>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>
#include <shopd/message.hpp>

#include "bus/message_bus.hpp"
#include "telemetry/logging.hpp"
#include "telemetry/tracer.hpp"
#include "util/failure.hpp"

namespace shopd::bus {

std::chrono::milliseconds DeliveryPolicy::backoff(int failed_attempts) const {
    auto wait = retry_base;
    for (int i = 1; i < failed_attempts && wait < retry_cap; ++i) {
        wait *= 2;
    }
    return std::min(wait, retry_cap);
}

ModuleRuntime::ModuleRuntime(std::string name, ModuleHost& host,
                             boost::asio::any_io_executor executor)
    : name_(std::move(name)),
      host_(host),
      strand_(boost::asio::make_strand(std::move(executor))),
      dispatcher_(*this, host),
      batch_timer_(strand_),
      batch_units_(host.metrics().batch_units.with({name_})) {}

ModuleRuntime::~ModuleRuntime() = default;

void ModuleRuntime::open(std::unique_ptr<SQLite::Database> database) {
    database_ = std::move(database);
    statements_.emplace(*database_);
    learn_inbox_rows();
    rows_before_open_ = rows_changed_.load(std::memory_order_relaxed);
    // The connection is only used on the strand, while /metrics reads from any thread: the count
    // is copied out at each commit rather than asked of the connection.
    sqlite3_commit_hook(
        database_->getHandle(),
        [](void* self) {
            auto& runtime = *static_cast<ModuleRuntime*>(self);
            runtime.rows_changed_.store(
                sqlite3_total_changes64(runtime.database_->getHandle()) + runtime.rows_before_open_,
                std::memory_order_relaxed);
            return 0;
        },
        this);
}

void ModuleRuntime::between_batches(std::function<void(SQLite::Database&)> action) {
    boost::asio::post(strand_, [this, action = std::move(action)] {
        action(*database_);
        learn_inbox_rows();  // the action may have written anything
    });
}

void ModuleRuntime::replace_contents(std::function<void(SQLite::Database&)> replace,
                                     std::function<void(std::exception_ptr)> done) {
    boost::asio::post(strand_, [this, replace = std::move(replace), done = std::move(done)] {
        std::exception_ptr failure;
        try {
            replace(*database_);
            statements_.emplace(*database_);  // prepared against what was there before
            learn_inbox_rows();
            dispatcher_.reload();
        } catch (...) {
            failure = std::current_exception();
        }
        done(failure);
    });
}

void ModuleRuntime::learn_inbox_rows() {
    inbox_has_rows_ = database_->execAndGet("SELECT EXISTS (SELECT 1 FROM inbox)").getInt() != 0;
}

void ModuleRuntime::close() {
    statements_.reset();
    database_.reset();
}

const ShopClock& ModuleRuntime::clock() const {
    return host_.clock();
}

const MessageBus& ModuleRuntime::bus() const {
    return host_.bus();
}

bool ModuleRuntime::is_hosted(std::string_view module) const {
    return host_.is_hosted(module);
}

void ModuleRuntime::execute(MessageContext context, std::function<void(UnitOfWork&)> work,
                            std::function<void(std::exception_ptr)> done) {
    struct Run {
        std::optional<UnitOfWork> unit_of_work;
        TraceSpan span;  // only for work within a trace: periodic work starts none
    };
    auto run = std::make_shared<Run>();
    enqueue(
        [this, run, context = std::move(context), work = std::move(work)]() mutable {
            telemetry::CorrelationScope scope(context.correlation_id, context.request_id);
            if (!context.traceparent.empty() && run->span.traceparent().empty()) {
                run->span =
                    tracer().start("unit of work", name_, SpanKind::internal, context.traceparent);
                context.traceparent = run->span.traceparent();
            }
            work(run->unit_of_work.emplace(*this, context));
        },
        [this, run, done = std::move(done)](std::exception_ptr failure) {
            if (!failure) {
                committed(*run->unit_of_work);
            }
            end_span(run->span, failure);
            done(failure);
        });
}

void ModuleRuntime::read(MessageContext context, std::function<void(UnitOfWork&)> work,
                         std::function<void(std::exception_ptr)> done) {
    boost::asio::post(strand_, [this, context = std::move(context), work = std::move(work),
                                done = std::move(done)]() mutable {
        std::exception_ptr failure;
        try {
            telemetry::CorrelationScope scope(context.correlation_id, context.request_id);
            UnitOfWork unit_of_work(*this, std::move(context));
            work(unit_of_work);
        } catch (...) {
            failure = std::current_exception();
        }
        done(failure);
    });
}

namespace {

constexpr std::int64_t kPositionsPerBlock = 64;

std::uint64_t position_bit(std::int64_t seq) {
    return std::uint64_t{1} << static_cast<unsigned>(seq % kPositionsPerBlock);
}

}  // namespace

bool ModuleRuntime::handled_before(const Envelope& envelope,
                                   const std::optional<OutboxPosition>& position) {
    if (position) {
        const auto block = position->seq / kPositionsPerBlock;
        const auto bit = position_bit(position->seq);
        if (const auto batch = handled_blocks_.find({position->publisher, block});
            batch != handled_blocks_.end() && (batch->second & bit) != 0) {
            return true;
        }
        auto& recorded =
            statements_->get("SELECT handled FROM inbox_block WHERE publisher = ? AND block = ?");
        recorded.bind(1, position->publisher);
        recorded.bind(2, block);
        const bool found =
            recorded.executeStep() &&
            (static_cast<std::uint64_t>(recorded.getColumn(0).getInt64()) & bit) != 0;
        recorded.reset();
        if (found) {
            return true;
        }
    }
    if (!inbox_has_rows_) {
        return false;
    }
    // Also for a position: a message handled before shopd recorded positions has a row here.
    auto& seen = statements_->get("SELECT 1 FROM inbox WHERE message_id = ?");
    seen.bind(1, envelope.id);
    const bool found = seen.executeStep();
    seen.reset();
    return found;
}

void ModuleRuntime::write_handled_blocks() {
    if (handled_blocks_.empty()) {
        return;
    }
    auto& record = statements_->get(
        "INSERT INTO inbox_block (publisher, block, handled, handled_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (publisher, block) DO UPDATE SET handled = handled | ?3, handled_at = ?4");
    const auto now = rfc3339(clock().now());
    for (const auto& [block, bits] : handled_blocks_) {
        record.bind(1, block.first);
        record.bind(2, block.second);
        record.bind(3, static_cast<std::int64_t>(bits));
        record.bind(4, now);
        record.exec();
        record.reset();
    }
}

void ModuleRuntime::receive(Envelope envelope, std::function<void(DeliveryResult)> done,
                            std::optional<OutboxPosition> position) {
    struct Outcome {
        std::optional<UnitOfWork> unit_of_work;
        bool duplicate = false;
        TraceSpan span;  // handling the message: a child of the span that published it
    };
    auto outcome = std::make_shared<Outcome>();
    enqueue(
        [this, outcome, envelope = std::move(envelope), position = std::move(position)] {
            const auto* subscription = bus().subscription(name_, envelope.type);
            if (subscription == nullptr) {
                throw std::runtime_error(
                    fmt::format("module '{}' has no handler for '{}'", name_, envelope.type));
            }
            telemetry::CorrelationScope scope(envelope.correlation_id);
            if (outcome->span.traceparent().empty()) {
                outcome->span = tracer().start("process", envelope.type, SpanKind::consumer,
                                               envelope.traceparent);
                telemetry::describe_message(outcome->span, "shopd", "process", envelope.type,
                                            envelope);
                outcome->span.set("messaging.consumer.group.name", name_);
            }
            outcome->duplicate = handled_before(envelope, position);
            if (outcome->duplicate) {
                outcome->span.set("shopd.duplicate", true);
                return;
            }
            auto& unit_of_work = outcome->unit_of_work.emplace(
                *this,
                MessageContext{envelope.correlation_id, envelope.id, outcome->span.traceparent(),
                               envelope.occurred_at, envelope.actor});
            subscription->handler(unit_of_work, envelope);
            if (position) {
                // Written once the batch's units ran, a row per block for all of them.
                handled_blocks_[{position->publisher, position->seq / kPositionsPerBlock}] |=
                    position_bit(position->seq);
                return;
            }
            inbox_has_rows_ = true;
            auto& record = statements_->get(
                "INSERT INTO inbox (message_id, type, handled_at) VALUES (?, ?, ?)");
            record.bind(1, envelope.id);
            record.bind(2, envelope.type);
            record.bind(3, rfc3339(clock().now()));
            record.exec();
        },
        [this, outcome, done = std::move(done)](std::exception_ptr failure) {
            end_span(outcome->span, failure);
            if (failure) {
                bool hopeless = false;
                try {
                    std::rethrow_exception(failure);
                } catch (const UnknownAggregate&) {
                    hopeless = true;
                } catch (...) {
                }
                done({DeliveryResult::Status::failed,
                      failure_text(failure, "the handler threw a non-exception"), hopeless});
                return;
            }
            if (outcome->duplicate) {
                done({DeliveryResult::Status::duplicate, {}});
                return;
            }
            committed(*outcome->unit_of_work);
            done({DeliveryResult::Status::delivered, {}});
        });
}

void ModuleRuntime::enqueue(std::function<void()> write,
                            std::function<void(std::exception_ptr)> finish) {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back({std::move(write), std::move(finish)});
    if (batch_scheduled_) {
        return;
    }
    batch_scheduled_ = true;
    const auto wait = host_.policy().batch_wait;
    if (wait.count() == 0) {
        boost::asio::post(strand_, [this] { commit_batch(); });
        return;
    }
    boost::asio::post(strand_, [this, wait] {
        batch_timer_.expires_after(wait);
        batch_timer_.async_wait([this](const boost::system::error_code& error) {
            if (!error) {  // only the timer's destruction aborts it
                commit_batch();
            }
        });
    });
}

std::size_t ModuleRuntime::queued() const {
    std::lock_guard lock(queue_mutex_);
    return queue_.size() + writing_ + static_cast<std::size_t>(clock_moves_waiting_.load());
}

void ModuleRuntime::commit_batch() {
    std::vector<Job> batch;
    {
        std::lock_guard lock(queue_mutex_);
        const auto count =
            std::min(queue_.size(), static_cast<std::size_t>(host_.policy().max_batch));
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(count)));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
        writing_ = count;
    }
    batch_units_.observe(static_cast<double>(batch.size()));
    batch_size_ = batch.size();
    std::vector<std::exception_ptr> failures(batch.size());
    try {
        if (!write_unguarded(batch, failures)) {
            write_in_savepoints(batch, failures);
        }
        commits_failing_ = false;
    } catch (...) {
        // The transaction rolled back: nothing of the batch was written.
        std::fill(failures.begin(), failures.end(), std::current_exception());
        commits_failing_ = true;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].finish(failures[i]);
    }
    std::lock_guard lock(queue_mutex_);
    writing_ = 0;
    if (queue_.empty()) {
        batch_scheduled_ = false;
    } else {
        boost::asio::post(strand_, [this] { commit_batch(); });
    }
}

namespace {

// Resets the statements a failed unit of work left unfinished, which would otherwise keep the
// savepoint or transaction from rolling back. A write statement's changes are counted once it
// is reset.
void reset_unfinished(sqlite3* connection) {
    for (auto* statement = sqlite3_next_stmt(connection, nullptr); statement != nullptr;
         statement = sqlite3_next_stmt(connection, statement)) {
        if (sqlite3_stmt_busy(statement) != 0) {
            sqlite3_reset(statement);
        }
    }
}

}  // namespace

bool ModuleRuntime::write_unguarded(std::vector<Job>& batch,
                                    std::vector<std::exception_ptr>& failures) {
    auto* connection = database_->getHandle();
    handled_blocks_.clear();
    SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto changes_before = sqlite3_total_changes64(connection);
        try {
            batch[i].write();
        } catch (...) {
            if (sqlite3_get_autocommit(connection) != 0) {
                throw;  // SQLite rolled the whole transaction back (a full disk, an I/O error)
            }
            failures[i] = std::current_exception();
            reset_unfinished(connection);
            if (sqlite3_total_changes64(connection) != changes_before) {
                return false;  // the transaction rolls back as it goes out of scope
            }
        }
    }
    write_handled_blocks();
    transaction.commit();
    return true;
}

void ModuleRuntime::write_in_savepoints(std::vector<Job>& batch,
                                        std::vector<std::exception_ptr>& failures) {
    handled_blocks_.clear();
    SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (failures[i]) {
            continue;  // failed already; a failed unit is not run twice
        }
        store::exec(*statements_, "SAVEPOINT unit_of_work");
        try {
            batch[i].write();
        } catch (...) {
            if (sqlite3_get_autocommit(database_->getHandle()) != 0) {
                throw;  // SQLite rolled the whole transaction back (a full disk, an I/O error)
            }
            failures[i] = std::current_exception();
            reset_unfinished(database_->getHandle());
            store::exec(*statements_, "ROLLBACK TO unit_of_work");
        }
        store::exec(*statements_, "RELEASE unit_of_work");
    }
    write_handled_blocks();
    transaction.commit();
}

void ModuleRuntime::end_span(TraceSpan& span, std::exception_ptr failure) const {
    if (!span.recording()) {
        return;
    }
    span.set("shopd.batch.units", batch_size_);
    span.set("shopd.module", name_);
    if (failure) {
        span.fail(failure_text(failure, "the work threw a non-exception"));
    }
    span.end();
}

void ModuleRuntime::committed(UnitOfWork& unit_of_work) {
    for (auto& span : unit_of_work.take_spans()) {
        tracer().finished(std::move(span));
    }
    for (auto& action : unit_of_work.take_after_commit()) {
        try {
            action();
        } catch (const std::exception& error) {
            spdlog::error("{}: after-commit action failed: {}", name_, error.what());
        }
    }
    if (unit_of_work.published().empty()) {
        return;
    }
    for (const auto& message : unit_of_work.published()) {
        host_.metrics().published.with({message.type}).inc();
        dispatcher_.published(message.deliveries);
        if (message.envelope) {
            host_.journal(name_, *message.envelope);
        }
    }
    dispatcher_.wake();
    for (const auto& watch : outbox_watchers_) {
        watch(unit_of_work.published().size());
    }
}

void ModuleRuntime::watch_outbox(std::function<void(std::size_t added)> watch) {
    outbox_watchers_.push_back(std::move(watch));
}

struct ModuleRuntime::Periodic {
    Periodic(Strand& strand, std::chrono::milliseconds every, std::function<void()> work)
        : timer(strand), interval(every), tick(std::move(work)) {}
    boost::asio::steady_timer timer;
    std::chrono::milliseconds interval;
    std::function<void()> tick;
    bool running = false;     // only touched on the strand
    std::uint64_t armed = 0;  // which wait is current; a wait superseded by run_now() ends quietly

    void arm(const std::shared_ptr<Periodic>& self) {
        timer.expires_after(interval);
        timer.async_wait([self, wait = ++armed](const boost::system::error_code& error) {
            if (!self->running || error || wait != self->armed) {
                return;
            }
            self->run_now(self);
        });
    }

    // On the strand.
    void run_now(const std::shared_ptr<Periodic>& self) {
        try {
            tick();
        } catch (const std::exception& failure) {
            spdlog::error("periodic work failed: {}", failure.what());
        }
        arm(self);
    }
};

void ModuleRuntime::every(std::chrono::milliseconds interval, std::function<void()> tick) {
    periodic_.push_back(std::make_shared<Periodic>(strand_, interval, std::move(tick)));
}

void ModuleRuntime::start_periodic() {
    for (const auto& periodic : periodic_) {
        boost::asio::post(strand_, [periodic] {
            periodic->running = true;
            periodic->arm(periodic);
        });
    }
}

// Counted as queued work until the ticks ran, so that nobody sees the module idle between the
// clock's move and the work it makes due.
void ModuleRuntime::clock_moved() {
    ++clock_moves_waiting_;
    boost::asio::post(strand_, [this] {
        for (const auto& periodic : periodic_) {
            if (periodic->running) {
                periodic->run_now(periodic);
            }
        }
        dispatcher_.clock_moved();
        --clock_moves_waiting_;
    });
}

void ModuleRuntime::stop_periodic() {
    for (const auto& periodic : periodic_) {
        boost::asio::post(strand_, [periodic] {
            periodic->running = false;
            periodic->timer.cancel();
        });
    }
}

}  // namespace shopd::bus
