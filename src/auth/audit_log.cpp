#include "auth/audit_log.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <SQLiteCpp/VariadicBind.h>
#include <array>
#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <shopd/clock.hpp>

namespace shopd::auth {

store::MigrationSet audit_migrations();

AuditLog::AuditLog(const store::DatabaseLocation& location, std::int64_t retention_ms)
    : database_(store::open_database(location, Durability::normal)),
      statements_(*database_),
      retention_ms_(retention_ms) {
    const std::array sets{audit_migrations()};
    store::apply_migrations(*database_, sets);
    writer_ = std::thread([this] { write_queued(); });
}

AuditLog::~AuditLog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    queued_cv_.notify_one();
    written_cv_.notify_all();
    writer_.join();
}

void AuditLog::record(AuditEntry entry) {
    std::unique_lock lock(mutex_);
    written_cv_.wait(lock, [this] { return queue_.size() < kMaxQueued || stopping_; });
    queue_.push_back(std::move(entry));
    ++queued_;
    // The writer sleeps only on an empty queue: one wake-up per batch, not per entry.
    if (queue_.size() == 1) {
        queued_cv_.notify_one();
    }
}

void AuditLog::write_queued() {
    std::unique_lock lock(mutex_);
    for (;;) {
        queued_cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) {
            return;
        }
        auto batch = std::move(queue_);
        queue_.clear();
        lock.unlock();
        try {
            std::lock_guard using_database(database_mutex_);
            SQLite::Transaction transaction(*database_);
            auto& insert = statements_.get(
                "INSERT INTO audit (at_ms, actor, role, method, route, target, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)");
            for (const auto& entry : batch) {
                SQLite::bind(insert, entry.at_ms, entry.actor, entry.role, entry.method,
                             entry.route, entry.target, static_cast<int>(entry.status));
                insert.exec();
                insert.reset();
            }
            auto& prune = statements_.get("DELETE FROM audit WHERE at_ms < ?");
            prune.bind(1, batch.back().at_ms - retention_ms_);
            prune.exec();
            prune.reset();
            transaction.commit();
        } catch (const std::exception& error) {
            spdlog::error("audit: {} entries could not be written: {}", batch.size(), error.what());
        }
        lock.lock();
        written_ += batch.size();
        written_cv_.notify_all();
    }
}

boost::json::array AuditLog::entries(std::optional<std::int64_t> before_id, int limit) {
    {
        std::unique_lock lock(mutex_);
        const auto wanted = queued_;
        written_cv_.wait(lock, [&] { return written_ >= wanted; });
    }
    std::lock_guard using_database(database_mutex_);
    SQLite::Statement query(*database_,
                            "SELECT id, at_ms, actor, role, method, route, target, status FROM "
                            "audit WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2");
    if (before_id) {
        query.bind(1, *before_id);
    }
    query.bind(2, limit);
    boost::json::array items;
    while (query.executeStep()) {
        items.push_back(boost::json::object{
            {"id", std::to_string(query.getColumn(0).getInt64())},
            {"at", rfc3339(std::chrono::system_clock::time_point{
                       std::chrono::milliseconds(query.getColumn(1).getInt64())})},
            {"actor", query.getColumn(2).getString()},
            {"role", query.getColumn(3).getString()},
            {"method", query.getColumn(4).getString()},
            {"route", query.getColumn(5).getString()},
            {"target", query.getColumn(6).getString()},
            {"status", query.getColumn(7).getInt()}});
    }
    return items;
}

}  // namespace shopd::auth
