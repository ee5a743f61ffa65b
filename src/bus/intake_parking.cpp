#include "bus/intake_parking.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <shopd/clock.hpp>

#include "bus/dead_letter.hpp"

namespace shopd::bus {
namespace {

constexpr auto kParkedColumns =
    "seq, attempts, message_id, type, version, aggregatetype, aggregateid, occurred_at, "
    "correlation_id, causation_id, traceparent, payload, actor";

ParkedMessage parked_from(SQLite::Statement& row) {
    return {row.getColumn(0).getInt64(), row.getColumn(1).getInt(),
            Envelope{row.getColumn(2).getString(), row.getColumn(3).getString(),
                     row.getColumn(4).getInt(), row.getColumn(5).getString(),
                     row.getColumn(6).getString(), row.getColumn(7).getString(),
                     row.getColumn(8).getString(), row.getColumn(9).getString(),
                     row.getColumn(10).getString(), row.getColumn(11).getString(),
                     row.getColumn(12).getString()}};
}

std::optional<ParkedMessage> first_row(SQLite::Statement& query) {
    std::optional<ParkedMessage> found;
    if (query.executeStep()) {
        found = parked_from(query);
    }
    query.reset();
    return found;
}

void insert(UnitOfWork& unit_of_work, const Envelope& envelope, std::string_view publisher,
            bool held, int attempts, const std::string& error) {
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO intake_parked (message_id, publisher, type, version, aggregatetype, "
        "aggregateid, occurred_at, correlation_id, causation_id, traceparent, payload, held, "
        "attempts, last_error, parked_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?) "
        "ON CONFLICT (message_id) DO NOTHING");
    insert.bind(1, envelope.id);
    insert.bind(2, std::string{publisher});
    insert.bind(3, envelope.type);
    insert.bind(4, envelope.version);
    insert.bind(5, envelope.aggregate_type);
    insert.bind(6, envelope.aggregate_id);
    insert.bind(7, envelope.occurred_at);
    insert.bind(8, envelope.correlation_id);
    insert.bind(9, envelope.causation_id);
    insert.bind(10, envelope.traceparent);
    insert.bind(11, envelope.payload);
    insert.bind(12, held ? 1 : 0);
    insert.bind(13, attempts);
    insert.bind(14, error);
    insert.bind(15, rfc3339(unit_of_work.now()));
    insert.bind(16, envelope.actor);
    insert.exec();
    insert.reset();
}

}  // namespace

bool waits_behind_parked(store::StatementCache& statements, const Envelope& envelope) {
    auto& waiting = statements.get(
        "SELECT 1 FROM intake_parked WHERE aggregateid = ? OR message_id = ? LIMIT 1");
    waiting.bind(1, envelope.aggregate_id);
    waiting.bind(2, envelope.id);
    const bool behind = waiting.executeStep();
    waiting.reset();
    return behind;
}

bool hold_behind_parked(UnitOfWork& unit_of_work, const Envelope& envelope,
                        std::string_view publisher) {
    const bool behind = waits_behind_parked(unit_of_work.statements(), envelope);
    if (behind) {
        insert(unit_of_work, envelope, publisher, true, 0, {});
    }
    return behind;
}

void park(UnitOfWork& unit_of_work, const Envelope& envelope, std::string_view publisher,
          int attempts, const std::string& error) {
    insert(unit_of_work, envelope, publisher, false, attempts, error);
}

std::vector<DeadLetter> parked_letters(store::StatementCache& statements,
                                       const std::string& subscriber) {
    std::vector<DeadLetter> letters;
    auto& query = statements.get(
        "SELECT seq, publisher, message_id, type, version, aggregatetype, aggregateid, "
        "correlation_id, attempts, coalesce(last_error, ''), parked_at, payload "
        "FROM intake_parked WHERE held = 0 ORDER BY seq");
    while (query.executeStep()) {
        const auto publisher = query.getColumn(1).getString();
        letters.push_back(DeadLetter{
            fmt::format("{}.{}.{}", publisher, query.getColumn(0).getInt64(), subscriber),
            publisher, subscriber, query.getColumn(2).getString(), query.getColumn(3).getString(),
            query.getColumn(4).getInt(), query.getColumn(5).getString(),
            query.getColumn(6).getString(), query.getColumn(7).getString(),
            query.getColumn(8).getInt(), query.getColumn(9).getString(),
            query.getColumn(10).getString(), query.getColumn(11).getString()});
    }
    query.reset();
    return letters;
}

std::optional<ParkedMessage> parked_message(store::StatementCache& statements, std::int64_t seq) {
    auto& query = statements.get(
        fmt::format("SELECT {} FROM intake_parked WHERE seq = ? AND held = 0", kParkedColumns));
    query.bind(1, seq);
    return first_row(query);
}

std::optional<ParkedMessage> settle_parked(UnitOfWork& unit_of_work, std::int64_t seq,
                                           const std::string& aggregate_id) {
    store::exec(unit_of_work.statements(), "DELETE FROM intake_parked WHERE seq = ?", seq);
    auto& next = unit_of_work.statements().get(fmt::format(
        "SELECT {} FROM intake_parked WHERE aggregateid = ? ORDER BY seq LIMIT 1", kParkedColumns));
    next.bind(1, aggregate_id);
    return first_row(next);
}

void park_again(UnitOfWork& unit_of_work, std::int64_t seq, int attempts,
                const std::string& error) {
    store::exec(unit_of_work.statements(),
                "UPDATE intake_parked SET held = 0, attempts = ?, last_error = ?, parked_at = ? "
                "WHERE seq = ?",
                attempts, error, rfc3339(unit_of_work.now()), seq);
}

}  // namespace shopd::bus
