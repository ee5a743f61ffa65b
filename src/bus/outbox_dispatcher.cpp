#include "bus/outbox_dispatcher.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>
#include <spdlog/spdlog.h>
#include <utility>

#include <shopd/clock.hpp>

#include "bus/message_bus.hpp"
#include "telemetry/logging.hpp"
#include "util/failure.hpp"

namespace shopd::bus {

namespace {

// The outbox rows after the cursor, in write order; the caller stops reading once it has
// enough.
constexpr auto kFreshQuery = R"sql(
    SELECT seq, id, type, version, aggregatetype, aggregateid, occurred_at, correlation_id,
           causation_id, traceparent, payload, actor
    FROM outbox WHERE seq > ?1 ORDER BY seq)sql";

// The recorded deliveries still to make after the cursor, in outbox order straight off the
// primary key, so a pass builds no temporary b-tree. `held`: an earlier row of the same
// aggregate for the same subscriber is still pending or parked.
constexpr auto kRecordedQuery = R"sql(
    SELECT d.seq, d.subscriber, d.attempts, o.id, o.type, o.version, o.aggregatetype,
           o.aggregateid, o.occurred_at, o.correlation_id, o.causation_id, o.traceparent,
           o.payload, d.next_attempt_ms,
           EXISTS (SELECT 1 FROM outbox_delivery AS e
                   WHERE e.subscriber = d.subscriber AND e.aggregateid = d.aggregateid
                     AND e.seq < d.seq) AS held,
           o.actor
    FROM outbox_delivery AS d JOIN outbox AS o ON o.seq = d.seq
    WHERE d.state = 'pending' AND d.seq > ?1
    ORDER BY d.seq)sql";

// The envelope in `query`'s columns from `first` on, in the order both queries select them,
// and its actor in column `actor`.
std::shared_ptr<const Envelope> envelope_at(SQLite::Statement& query, int first, int actor) {
    const auto text = [&](int offset) { return query.getColumn(first + offset).getString(); };
    return std::make_shared<const Envelope>(
        Envelope{text(0), text(1), query.getColumn(first + 2).getInt(), text(3), text(4), text(5),
                 text(6), text(7), text(8), text(9), query.getColumn(actor).getString()});
}

}  // namespace

OutboxDispatcher::OutboxDispatcher(OutboxSource& source, ModuleHost& host)
    : source_(source),
      host_(host),
      retry_timer_(source.strand()),
      write_retry_timer_(source.strand()) {}

void OutboxDispatcher::load() {
    SQLite::Transaction transaction(source_.database());
    load_routes();
    const auto fresh = load_progress();
    const auto [recorded, parked] = load_recorded();
    transaction.commit();
    // A delivery both past its subscriber's progress and recorded is counted twice here; it is
    // counted down once the fresh one finds its row (record_held).
    pending_ = fresh + recorded;
    parked_ = parked;
}

void OutboxDispatcher::load_routes() {
    for (const auto& publication : host_.bus().publications()) {
        if (publication.module != source_.name()) {
            continue;
        }
        auto& subscribers = routes_[publication.message.name];
        for (const auto& subscriber : host_.bus().subscribers(publication.message.name)) {
            if (host_.is_hosted(subscriber) && std::find(subscribers.begin(), subscribers.end(),
                                                         subscriber) == subscribers.end()) {
                subscribers.push_back(subscriber);
                progress_.try_emplace(subscriber);
            }
        }
    }
}

std::int64_t OutboxDispatcher::load_progress() {
    auto& statements = source_.statements();
    // A subscriber hosted elsewhere gets this module's messages through the relay; should it be
    // hosted here again, it starts with the messages written from then on.
    std::vector<std::string> elsewhere;
    auto& known = statements.get("SELECT subscriber FROM outbox_progress");
    while (known.executeStep()) {
        if (!progress_.contains(known.getColumn(0).getString())) {
            elsewhere.push_back(known.getColumn(0).getString());
        }
    }
    known.reset();
    for (const auto& subscriber : elsewhere) {
        store::exec(statements, "DELETE FROM outbox_progress WHERE subscriber = ?", subscriber);
    }

    // A subscriber new to this outbox starts after its last message (sqlite_sequence keeps that
    // seq when retention emptied the outbox), or, subscribing from the history, with the first
    // one retained.
    const auto last = source_.database()
                          .execAndGet(
                              "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                              "name = 'outbox'), 0)")
                          .getInt64();
    cursor_ = last;
    std::int64_t backlog = 0;
    for (auto& [subscriber, progress] : progress_) {
        const auto from = host_.bus().start_of(subscriber, source_.name());
        store::exec(statements,
                    "INSERT OR IGNORE INTO outbox_progress (subscriber, delivered_through) "
                    "VALUES (?, ?)",
                    subscriber, from == From::history ? std::int64_t{0} : last);
        auto& through =
            statements.get("SELECT delivered_through FROM outbox_progress WHERE subscriber = ?");
        through.bind(1, subscriber);
        through.executeStep();
        progress.loaded_through = progress.saved_through = through.getColumn(0).getInt64();
        through.reset();
        cursor_ = std::min(cursor_, progress.loaded_through);

        auto& by_type =
            statements.get("SELECT type, count(*) FROM outbox WHERE seq > ? GROUP BY type");
        by_type.bind(1, progress.loaded_through);
        while (by_type.executeStep()) {
            const auto route = routes_.find(by_type.getColumn(0).getString());
            if (route != routes_.end() && std::find(route->second.begin(), route->second.end(),
                                                    subscriber) != route->second.end()) {
                backlog += by_type.getColumn(1).getInt64();
            }
        }
        by_type.reset();
    }
    return backlog;
}

std::pair<std::int64_t, std::int64_t> OutboxDispatcher::load_recorded() {
    auto& rows = source_.statements().get(
        "SELECT subscriber, aggregateid, count(*), sum(state = 'pending'), sum(state = 'parked') "
        "FROM outbox_delivery GROUP BY subscriber, aggregateid");
    std::int64_t pending = 0;
    std::int64_t parked = 0;
    while (rows.executeStep()) {
        recorded_.emplace(LaneKey{rows.getColumn(0).getString(), rows.getColumn(1).getString()},
                          rows.getColumn(2).getInt());
        pending += rows.getColumn(3).getInt64();
        parked += rows.getColumn(4).getInt64();
    }
    rows.reset();
    return {pending, parked};
}

void OutboxDispatcher::start() {
    if (!loaded_) {
        // On the strand, between two batches, so that the backlog counted from the outbox and
        // the one counted by commits meet exactly.
        std::promise<void> loaded;
        boost::asio::post(source_.strand(), [this, &loaded] {
            try {
                load();
                loaded.set_value();
            } catch (...) {
                loaded.set_exception(std::current_exception());
            }
        });
        loaded.get_future().get();
        loaded_ = true;
    }
    running_ = true;
    boost::asio::post(source_.strand(), [this] {
        for (auto lane = lanes_.begin(); lane != lanes_.end();) {
            const auto next = std::next(lane);
            if (!lane->second.busy) {
                advance(lane);
            }
            lane = next;
        }
    });
    wake();
}

void OutboxDispatcher::stop() {
    running_ = false;
    boost::asio::post(source_.strand(), [this] {
        retry_timer_.cancel();
        write_retry_timer_.cancel();
        retry_from_seq_ = 0;
        // A later start reads every recorded row again.
        recorded_cursor_ = 0;
        held_.clear();
    });
}

void OutboxDispatcher::reload() {
    ++generation_;
    retry_timer_.cancel();
    write_retry_timer_.cancel();
    routes_.clear();
    progress_.clear();
    progress_save_queued_ = false;
    cursor_ = 0;
    unsettled_ = 0;
    lanes_.clear();
    recorded_.clear();
    in_flight_.clear();
    recorded_cursor_ = 0;
    held_.clear();
    retry_from_seq_ = 0;
    retry_due_ms_ = 0;
    write_retries_.clear();
    write_failures_ = 0;
    load();
}

void OutboxDispatcher::enqueue_bookkeeping(std::function<void()> write,
                                           std::function<void(std::exception_ptr)> finish) {
    source_.enqueue(
        [this, generation = generation_.load(), write = std::move(write)] {
            if (generation == generation_) {
                write();
            }
        },
        [this, generation = generation_.load(),
         finish = std::move(finish)](std::exception_ptr failure) {
            if (generation == generation_) {
                finish(failure);
            }
        });
}

void OutboxDispatcher::wake() {
    if (!pass_scheduled_.exchange(true)) {
        boost::asio::post(source_.strand(), [this] {
            pass_scheduled_ = false;
            pass();
        });
    }
}

void OutboxDispatcher::reread_from(std::int64_t seq) {
    recorded_cursor_ = std::min(recorded_cursor_, seq - 1);
}

void OutboxDispatcher::pass() {
    if (!running_) {
        return;
    }
    int room = host_.policy().max_in_flight - static_cast<int>(in_flight_.size()) -
               static_cast<int>(unsettled_);
    if (!recorded_.empty()) {
        pass_recorded(room);
    }
    if (!progress_.empty()) {
        pass_fresh(room);
    }
}

std::vector<OutboxDispatcher::Pending> OutboxDispatcher::read_pass(const char* sql,
                                                                   std::int64_t after, int& room,
                                                                   Reader read) {
    std::vector<Pending> batch;
    try {
        auto& query = source_.statements().get(sql);
        query.bind(1, after);
        (this->*read)(query, room, batch);
        query.reset();
    } catch (const std::exception& error) {
        // The deliveries read before the failure go out; the next pass reads on from there.
        spdlog::error("outbox of '{}': cannot read deliverable messages: {}", source_.name(),
                      error.what());
    }
    return batch;
}

void OutboxDispatcher::pass_recorded(int& room) {
    for (auto& pending :
         read_pass(kRecordedQuery, recorded_cursor_, room, &OutboxDispatcher::read_recorded)) {
        in_flight_.emplace(pending.seq, pending.subscriber);
        deliver(std::move(pending));
    }
}

void OutboxDispatcher::read_recorded(SQLite::Statement& query, int& room,
                                     std::vector<Pending>& batch) {
    const auto now = unix_millis(host_.clock().now());
    while (room > 0 && query.executeStep()) {
        const auto seq = query.getColumn(0).getInt64();
        std::string subscriber = query.getColumn(1).getString();
        recorded_cursor_ = seq;
        if (in_flight_.contains({seq, subscriber}) || !host_.is_hosted(subscriber)) {
            continue;
        }
        if (query.getColumn(14).getInt() != 0) {
            const auto [held, first] =
                held_.try_emplace({std::move(subscriber), query.getColumn(7).getString()}, seq);
            held->second = std::min(held->second, seq);
            continue;
        }
        if (const auto due = query.getColumn(13).getInt64(); due > now) {
            retry_later(seq, due);
            continue;
        }
        batch.push_back(Pending{seq, std::move(subscriber), query.getColumn(2).getInt(), true,
                                envelope_at(query, 3, 15)});
        --room;
    }
}

void OutboxDispatcher::pass_fresh(int& room) {
    for (auto& pending : read_pass(kFreshQuery, cursor_, room, &OutboxDispatcher::read_fresh)) {
        route(std::move(pending));
    }
    save_progress();  // the cursor may have passed rows no subscriber waits for
}

void OutboxDispatcher::read_fresh(SQLite::Statement& query, int& room,
                                  std::vector<Pending>& batch) {
    while (room > 0 && query.executeStep()) {
        const auto seq = query.getColumn(0).getInt64();
        cursor_ = seq;
        const auto route = routes_.find(query.getColumn(2).getText());
        if (route == routes_.end()) {
            continue;
        }
        std::shared_ptr<const Envelope> envelope;
        for (const auto& subscriber : route->second) {
            auto& progress = progress_.find(subscriber)->second;
            if (seq <= progress.loaded_through) {
                continue;
            }
            if (!envelope) {
                envelope = envelope_at(query, 1, 11);
            }
            progress.unsettled.insert(seq);
            ++unsettled_;
            --room;
            batch.push_back(Pending{seq, subscriber, 0, false, envelope});
        }
    }
}

void OutboxDispatcher::route(Pending pending) {
    LaneKey key{pending.subscriber, pending.envelope->aggregate_id};
    if (recorded_.contains(key)) {
        record_held(std::move(pending));
        return;
    }
    const auto [lane, created] = lanes_.try_emplace(std::move(key));
    if (!created) {
        lane->second.waiting.push_back(std::move(pending));
        return;
    }
    deliver(std::move(pending));
}

void OutboxDispatcher::deliver(Pending pending) {
    auto envelope = *pending.envelope;
    const auto subscriber = pending.subscriber;
    ++delivering_;
    OutboxPosition position{source_.name(), pending.seq};
    host_.deliver(subscriber, std::move(envelope), std::move(position),
                  [this, pending = std::move(pending)](DeliveryResult result) mutable {
                      complete(std::move(pending), std::move(result));
                  });
}

// What became of one delivery that has to be written: decided once, then written and counted.
struct OutboxDispatcher::Outcome {
    Pending pending;
    DeliveryResult result;
    int attempts;  // failed attempts, counting this one when it failed
    bool delivered;
    bool park;                     // failed for the last allowed time
    std::int64_t next_attempt_ms;  // when it failed
};

void OutboxDispatcher::complete(Pending pending, DeliveryResult result) {
    // Counted down once what follows is on the strand's way, ahead of any reload.
    struct Answered {
        std::atomic<int>& delivering;
        ~Answered() { --delivering; }
    } answered{delivering_};
    const bool delivered = result.status != DeliveryResult::Status::failed;
    if (delivered && !pending.recorded) {
        boost::asio::post(source_.strand(),
                          [this, pending = std::move(pending)] { delivered_fresh(pending); });
        return;
    }
    const int attempts = pending.attempts + 1;
    auto outcome = std::make_shared<const Outcome>(Outcome{
        std::move(pending), std::move(result), attempts, delivered,
        !delivered && (attempts >= host_.policy().max_attempts || result.hopeless),
        delivered ? 0
                  : unix_millis(host_.clock().now()) + host_.policy().backoff(attempts).count()});
    // The outcome is written in the publisher's next batch, with its other work.
    enqueue_bookkeeping(
        [this, outcome] { record(*outcome); },
        [this, outcome](std::exception_ptr failure) { recorded(*outcome, failure); });
}

void OutboxDispatcher::delivered_fresh(const Pending& pending) {
    // Counted before the backlog shrinks, so whoever waits for an idle bus sees it.
    host_.metrics().delivered.with({pending.envelope->type, pending.subscriber}).inc();
    --pending_;
    settle(pending);
    const auto lane = lanes_.find({pending.subscriber, pending.envelope->aggregate_id});
    if (lane != lanes_.end()) {
        advance(lane);
    }
    wake();
}

void OutboxDispatcher::record(const Outcome& outcome) {
    const auto& pending = outcome.pending;
    if (outcome.delivered) {
        store::exec(source_.statements(),
                    "DELETE FROM outbox_delivery WHERE seq = ? AND subscriber = ?", pending.seq,
                    pending.subscriber);
        return;
    }
    // A fresh delivery has no row yet; a recorded one has its row replaced.
    auto& write = source_.statements().get(
        "INSERT OR REPLACE INTO outbox_delivery (seq, subscriber, aggregateid, state, attempts,"
        " next_attempt_ms, last_error, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    write.bind(1, pending.seq);
    write.bind(2, pending.subscriber);
    write.bind(3, pending.envelope->aggregate_id);
    write.bind(4, outcome.park ? "parked" : "pending");
    write.bind(5, outcome.attempts);
    write.bind(6, outcome.next_attempt_ms);
    write.bind(7, outcome.result.error);
    if (outcome.park) {
        write.bind(8, rfc3339(host_.clock().now()));
    }
    write.exec();
}

void OutboxDispatcher::recorded(const Outcome& outcome, std::exception_ptr failure) {
    const auto& pending = outcome.pending;
    const auto& result = outcome.result;
    const auto attempts = outcome.attempts;
    telemetry::CorrelationScope scope(pending.envelope->correlation_id);
    const auto& type = pending.envelope->type;
    auto& metrics = host_.metrics();
    const LaneKey key{pending.subscriber, pending.envelope->aggregate_id};
    if (failure) {
        // Nothing changed: the delivery is attempted again, at least once.
        if (pending.recorded) {
            in_flight_.erase({pending.seq, pending.subscriber});
        }
        write_failed(Redo::deliver, pending, failure);
        return;
    }
    write_succeeded();
    if (outcome.delivered) {
        metrics.delivered.with({type, pending.subscriber}).inc();
        --pending_;
        forget_recorded(key);
        const auto held = held_.find(key);
        if (held != held_.end()) {
            reread_from(held->second);
            held_.erase(held);
        }
    } else {
        if (!pending.recorded) {
            ++recorded_[key];
            settle(pending);
            hold_lane(key);
        }
        if (outcome.park) {
            metrics.dead_lettered.with({type, pending.subscriber}).inc();
            ++parked_;
            --pending_;
            spdlog::error("{} {} to '{}' parked as a dead letter after {} attempts: {}", type,
                          pending.envelope->id, pending.subscriber, attempts, result.error);
        } else {
            metrics.retried.with({type, pending.subscriber}).inc();
            retry_later(pending.seq, outcome.next_attempt_ms);
            spdlog::warn("{} {} to '{}' failed (attempt {} of {}), retrying: {}", type,
                         pending.envelope->id, pending.subscriber, attempts,
                         host_.policy().max_attempts, result.error);
        }
    }
    in_flight_.erase({pending.seq, pending.subscriber});
    wake();
}

void OutboxDispatcher::record_held(Pending pending) {
    const LaneKey key{pending.subscriber, pending.envelope->aggregate_id};
    ++recorded_[key];
    auto inserted = std::make_shared<bool>(false);
    enqueue_bookkeeping(
        [this, pending, inserted] {
            *inserted =
                store::exec(source_.statements(),
                            "INSERT OR IGNORE INTO outbox_delivery (seq, subscriber, "
                            "aggregateid) VALUES (?, ?, ?)",
                            pending.seq, pending.subscriber, pending.envelope->aggregate_id) > 0;
        },
        [this, pending, key, inserted](std::exception_ptr failure) {
            if (failure) {
                forget_recorded(key);
                write_failed(Redo::reroute, pending, failure);
                return;
            }
            write_succeeded();
            if (!*inserted) {
                // Recorded before a restart, and counted when loaded.
                forget_recorded(key);
                --pending_;
            }
            settle(pending);
            reread_from(pending.seq);
            wake();
        });
}

void OutboxDispatcher::advance(std::map<LaneKey, Lane>::iterator lane) {
    auto& waiting = lane->second.waiting;
    if (waiting.empty()) {
        lanes_.erase(lane);
        return;
    }
    lane->second.busy = running_;
    if (!running_) {
        return;
    }
    auto next = std::move(waiting.front());
    waiting.pop_front();
    deliver(std::move(next));
}

void OutboxDispatcher::hold_lane(const LaneKey& key) {
    const auto lane = lanes_.find(key);
    if (lane == lanes_.end()) {
        return;
    }
    auto waiting = std::move(lane->second.waiting);
    lanes_.erase(lane);
    for (auto& pending : waiting) {
        record_held(std::move(pending));
    }
}

void OutboxDispatcher::measure_waiting() {
    if (pending_.load() == 0) {
        oldest_waiting_seconds_ = 0;
        return;
    }
    // The oldest of the recorded deliveries (retrying, or held behind one) and of the rows past
    // the slowest subscriber's progress.
    auto& query = source_.statements().get(R"(
        SELECT min(at) FROM (
            SELECT min(o.occurred_at) AS at FROM outbox_delivery AS d
                JOIN outbox AS o ON o.seq = d.seq WHERE d.state = 'pending'
            UNION ALL
            SELECT at FROM (SELECT occurred_at AS at FROM outbox WHERE seq >
                (SELECT coalesce(min(delivered_through), 0) FROM outbox_progress)
                ORDER BY seq LIMIT 1))
    )");
    std::optional<ShopClock::time_point> oldest;
    try {
        if (query.executeStep() && !query.getColumn(0).isNull()) {
            oldest = parse_rfc3339(query.getColumn(0).getString());
        }
        query.reset();
    } catch (const std::exception& error) {
        query.reset();
        spdlog::debug("outbox of '{}': cannot measure the wait: {}", source_.name(), error.what());
        return;
    }
    oldest_waiting_seconds_ =
        oldest ? std::max(0.0, std::chrono::duration<double>(host_.clock().now() - *oldest).count())
               : 0.0;
}

void OutboxDispatcher::settle(const Pending& pending) {
    progress_.find(pending.subscriber)->second.unsettled.erase(pending.seq);
    --unsettled_;
    save_progress();
}

void OutboxDispatcher::forget_recorded(const LaneKey& key) {
    const auto count = recorded_.find(key);
    if (count != recorded_.end() && --count->second == 0) {
        recorded_.erase(count);
    }
}

void OutboxDispatcher::retry_later(std::int64_t seq, std::int64_t due_ms) {
    const bool armed = retry_from_seq_ != 0;
    retry_from_seq_ = armed ? std::min(retry_from_seq_, seq) : seq;
    if (armed && retry_due_ms_ <= due_ms) {
        return;
    }
    retry_due_ms_ = due_ms;
    arm_retry();
}

void OutboxDispatcher::arm_retry() {
    // Setting the expiry ends the wait before, as cancelled.
    retry_timer_.expires_after(
        std::chrono::milliseconds(retry_due_ms_ - unix_millis(host_.clock().now())));
    retry_timer_.async_wait([this](const boost::system::error_code& error) {
        if (error) {
            return;
        }
        // Every row waiting for a retry is read again; those still not due arm the next one.
        reread_from(retry_from_seq_);
        retry_from_seq_ = 0;
        pass();
    });
}

void OutboxDispatcher::clock_moved() {
    if (retry_from_seq_ != 0 && running_) {
        arm_retry();
    }
}

void OutboxDispatcher::write_failed(Redo redo, std::optional<Pending> pending,
                                    std::exception_ptr failure) {
    constexpr auto kLogInterval = std::chrono::seconds(10);
    ++write_failures_;
    ++unlogged_failures_;
    const auto wait = host_.policy().backoff(write_failures_);
    const auto now = std::chrono::steady_clock::now();
    if (now - failures_logged_at_ >= kLogInterval) {
        spdlog::error(
            "outbox of '{}': cannot record deliveries ({} failed writes since the last report), "
            "trying again in {} ms: {}",
            source_.name(), unlogged_failures_, wait.count(), failure_text(failure));
        failures_logged_at_ = now;
        unlogged_failures_ = 0;
    }
    write_retries_.push_back({redo, std::move(pending)});
    if (write_retries_.size() > 1) {
        return;  // goes on with those before it
    }
    write_retry_timer_.expires_after(wait);
    write_retry_timer_.async_wait(
        [this](const boost::system::error_code& error) { after_write_failures(!error); });
}

void OutboxDispatcher::write_succeeded() {
    if (write_failures_ == 0) {
        return;
    }
    spdlog::info("outbox of '{}': recording deliveries again after {} failed writes",
                 source_.name(), write_failures_);
    write_failures_ = 0;
    unlogged_failures_ = 0;
    failures_logged_at_ = {};
}

void OutboxDispatcher::after_write_failures(bool resume) {
    for (auto& retry : std::exchange(write_retries_, {})) {
        if (retry.redo == Redo::progress) {
            save_progress();
            continue;
        }
        auto& pending = *retry.pending;
        if (retry.redo == Redo::reroute) {
            route(std::move(pending));
        } else if (pending.recorded) {
            reread_from(pending.seq);
        } else if (resume) {
            deliver(std::move(pending));  // still under way in its lane
        } else {
            // Stopped: the lane goes on with it when the dispatcher starts again.
            auto& lane = lanes_[{pending.subscriber, pending.envelope->aggregate_id}];
            lane.waiting.push_front(std::move(pending));
            lane.busy = false;
        }
    }
    if (resume) {
        pass();
    }
}

std::int64_t OutboxDispatcher::settled_through(const Progress& progress) const {
    return progress.unsettled.empty() ? std::max(cursor_, progress.loaded_through)
                                      : *progress.unsettled.begin() - 1;
}

bool OutboxDispatcher::progress_changed() const {
    return std::any_of(progress_.begin(), progress_.end(), [this](const auto& entry) {
        return settled_through(entry.second) != entry.second.saved_through;
    });
}

void OutboxDispatcher::save_progress() {
    if (progress_save_queued_ || !progress_changed()) {
        return;
    }
    progress_save_queued_ = true;
    enqueue_bookkeeping(
        [this] {
            for (auto& [subscriber, progress] : progress_) {
                progress.saving_through = settled_through(progress);
                if (progress.saving_through != progress.saved_through) {
                    store::exec(source_.statements(),
                                "UPDATE outbox_progress SET delivered_through = ? "
                                "WHERE subscriber = ?",
                                progress.saving_through, subscriber);
                }
            }
        },
        [this](std::exception_ptr failure) {
            progress_save_queued_ = false;
            if (failure) {
                // Left as it was: deliveries past it are made again after a restart, and found
                // in the inbox. Saved later, or by the next settled delivery.
                write_failed(Redo::progress, std::nullopt, failure);
                return;
            }
            write_succeeded();
            for (auto& [subscriber, progress] : progress_) {
                progress.saved_through = progress.saving_through;
            }
            save_progress();
        });
}

}  // namespace shopd::bus
