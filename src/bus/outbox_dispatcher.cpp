#include "bus/outbox_dispatcher.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "bus/messaging.hpp"
#include "bus/module_runtime.hpp"
#include "telemetry/logging.hpp"
#include "util/clock.hpp"
#include "util/failure.hpp"

namespace shopd::bus {

struct OutboxDispatcher::Pending {
    std::int64_t seq;
    std::string subscriber;
    int attempts;  // failed attempts so far
    Envelope envelope;
};

namespace {

// The pending rows after the cursor, in outbox order straight off the primary key, so a pass
// builds no temporary b-tree; the caller stops reading once it has enough. `held`: an earlier
// row of the same aggregate for the same subscriber is still pending or parked.
constexpr auto kPendingQuery = R"sql(
    SELECT d.seq, d.subscriber, d.attempts, o.id, o.type, o.version, o.aggregatetype,
           o.aggregateid, o.occurred_at, o.correlation_id, o.causation_id, o.traceparent,
           o.payload, d.next_attempt_ms,
           EXISTS (SELECT 1 FROM outbox_delivery AS e
                   WHERE e.subscriber = d.subscriber AND e.aggregateid = d.aggregateid
                     AND e.seq < d.seq) AS held
    FROM outbox_delivery AS d JOIN outbox AS o ON o.seq = d.seq
    WHERE d.state = 'pending' AND d.seq > ?1
    ORDER BY d.seq)sql";

}  // namespace

OutboxDispatcher::OutboxDispatcher(ModuleRuntime& source, Messaging& messaging)
    : source_(source), messaging_(messaging), retry_timer_(source.strand()) {}

void OutboxDispatcher::start() {
    running_ = true;
    wake();
}

void OutboxDispatcher::stop() {
    running_ = false;
    boost::asio::post(source_.strand(), [this] {
        retry_timer_.cancel();
        retry_from_seq_ = 0;
        // A later start reads every row again.
        cursor_ = 0;
        held_.clear();
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
    cursor_ = std::min(cursor_, seq - 1);
}

void OutboxDispatcher::pass() {
    if (!running_) {
        return;
    }
    const auto room = messaging_.policy().max_in_flight - static_cast<int>(in_flight_.size());
    if (room <= 0) {
        return;  // each completion wakes the dispatcher again
    }
    std::vector<Pending> batch;
    try {
        const auto now = unix_millis();
        auto& query = source_.statements().get(kPendingQuery);
        query.bind(1, cursor_);
        while (static_cast<int>(batch.size()) < room && query.executeStep()) {
            const auto seq = query.getColumn(0).getInt64();
            std::string subscriber = query.getColumn(1).getString();
            cursor_ = seq;
            if (in_flight_.contains({seq, subscriber}) || messaging_.find(subscriber) == nullptr) {
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
            batch.push_back(Pending{
                seq, std::move(subscriber), query.getColumn(2).getInt(),
                Envelope{query.getColumn(3).getString(), query.getColumn(4).getString(),
                         query.getColumn(5).getInt(), query.getColumn(6).getString(),
                         query.getColumn(7).getString(), query.getColumn(8).getString(),
                         query.getColumn(9).getString(), query.getColumn(10).getString(),
                         query.getColumn(11).getString(), query.getColumn(12).getString()}});
        }
        query.reset();
    } catch (const std::exception& error) {
        spdlog::error("outbox of '{}': cannot read deliverable messages: {}", source_.name(),
                      error.what());
    }
    for (auto& pending : batch) {
        in_flight_.emplace(pending.seq, pending.subscriber);
        deliver(std::move(pending));
    }
}

void OutboxDispatcher::deliver(Pending pending) {
    auto* target = messaging_.find(pending.subscriber);
    auto envelope = pending.envelope;
    target->receive(std::move(envelope),
                    [this, pending = std::move(pending)](DeliveryResult result) mutable {
                        complete(std::move(pending), std::move(result));
                    });
}

// What became of one delivery: decided once, then written and counted.
struct OutboxDispatcher::Outcome {
    Pending pending;
    DeliveryResult result;
    int attempts;  // failed attempts, counting this one when it failed
    bool delivered;
    bool park;                     // failed for the last allowed time
    std::int64_t next_attempt_ms;  // when it failed
};

void OutboxDispatcher::complete(Pending pending, DeliveryResult result) {
    const bool delivered = result.status != DeliveryResult::Status::failed;
    const int attempts = pending.attempts + 1;
    auto outcome = std::make_shared<const Outcome>(
        Outcome{std::move(pending), std::move(result), attempts, delivered,
                !delivered && attempts >= messaging_.policy().max_attempts,
                delivered ? 0 : unix_millis() + messaging_.policy().backoff(attempts).count()});
    // The outcome is written in the publisher's next batch, with its other work.
    source_.enqueue([this, outcome] { record(*outcome); },
                    [this, outcome](std::exception_ptr failure) { recorded(*outcome, failure); });
}

void OutboxDispatcher::record(const Outcome& outcome) {
    const auto& pending = outcome.pending;
    if (outcome.delivered) {
        store::exec(source_.statements(),
                    "DELETE FROM outbox_delivery WHERE seq = ? AND subscriber = ?", pending.seq,
                    pending.subscriber);
        return;
    }
    auto& update = source_.statements().get(
        "UPDATE outbox_delivery SET attempts = ?, last_error = ?, next_attempt_ms = ?,"
        " state = ?, parked_at = ? WHERE seq = ? AND subscriber = ?");
    update.bind(1, outcome.attempts);
    update.bind(2, outcome.result.error);
    update.bind(3, outcome.next_attempt_ms);
    update.bind(4, outcome.park ? "parked" : "pending");
    if (outcome.park) {
        update.bind(5, rfc3339());
    }
    update.bind(6, pending.seq);
    update.bind(7, pending.subscriber);
    update.exec();
}

void OutboxDispatcher::recorded(const Outcome& outcome, std::exception_ptr failure) {
    const auto& pending = outcome.pending;
    const auto& result = outcome.result;
    const auto attempts = outcome.attempts;
    telemetry::CorrelationScope scope(pending.envelope.correlation_id);
    const auto& type = pending.envelope.type;
    auto& metrics = messaging_.metrics();
    if (failure) {
        // The delivery row stays as it was and is attempted again: at-least-once.
        spdlog::error("outbox of '{}': cannot record delivery of {}: {}", source_.name(),
                      pending.envelope.id, failure_text(failure));
        reread_from(pending.seq);
    } else if (outcome.delivered) {
        // Counted before the backlog shrinks, so whoever waits for an idle bus sees it.
        metrics.delivered.with({type, pending.subscriber}).inc();
        --source_.pending_deliveries_;
        const auto held = held_.find({pending.subscriber, pending.envelope.aggregate_id});
        if (held != held_.end()) {
            reread_from(held->second);
            held_.erase(held);
        }
    } else if (outcome.park) {
        metrics.dead_lettered.with({type, pending.subscriber}).inc();
        ++source_.parked_deliveries_;
        --source_.pending_deliveries_;
        spdlog::error("{} {} to '{}' parked as a dead letter after {} attempts: {}", type,
                      pending.envelope.id, pending.subscriber, attempts, result.error);
    } else {
        metrics.retried.with({type, pending.subscriber}).inc();
        retry_later(pending.seq, outcome.next_attempt_ms);
        spdlog::warn("{} {} to '{}' failed (attempt {} of {}), retrying: {}", type,
                     pending.envelope.id, pending.subscriber, attempts,
                     messaging_.policy().max_attempts, result.error);
    }
    in_flight_.erase({pending.seq, pending.subscriber});
    wake();
}

void OutboxDispatcher::retry_later(std::int64_t seq, std::int64_t due_ms) {
    const bool armed = retry_from_seq_ != 0;
    retry_from_seq_ = armed ? std::min(retry_from_seq_, seq) : seq;
    if (armed && retry_due_ms_ <= due_ms) {
        return;
    }
    retry_due_ms_ = due_ms;
    retry_timer_.expires_after(std::chrono::milliseconds(due_ms - unix_millis()));
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

}  // namespace shopd::bus
