#pragma once
// The audit: every mutating call that reached its route, with its actor and its answer.
// Recording only queues the entry: a thread of the log's own writes the queue in batches, so
// a request never waits for the audit's disk. Reading waits for what was queued before it.

#include <boost/json/array.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <shopd/statements.hpp>

#include "store/database.hpp"

namespace shopd::auth {

struct AuditEntry {
    std::int64_t at_ms = 0;
    std::string actor;
    std::string role;
    std::string method;
    std::string route;
    std::string target;
    unsigned status = 0;
};

class AuditLog {
  public:
    // Opens (and migrates) the audit's database; throws store::StoreError. Entries older than
    // `retention_ms` are pruned as new ones are written.
    AuditLog(const store::DatabaseLocation& location, std::int64_t retention_ms);
    // Writes what is queued, then stops the writer.
    ~AuditLog();

    // Queues `entry`; waits only while the queue holds kMaxQueued entries.
    void record(AuditEntry entry);
    // The entries before `before_id` (all when nullopt), newest first, at most `limit`, once
    // every entry queued before this call is written. Each: id (text, the paging cursor), at,
    // actor, role, method, route, target, status.
    boost::json::array entries(std::optional<std::int64_t> before_id, int limit);

    static constexpr std::size_t kMaxQueued = 65'536;

  private:
    void write_queued();

    std::mutex database_mutex_;  // the connection is used by one thread at a time
    std::unique_ptr<SQLite::Database> database_;
    store::StatementCache statements_;  // under database_mutex_
    const std::int64_t retention_ms_;
    std::mutex mutex_;
    std::condition_variable queued_cv_;   // the writer waits here for entries
    std::condition_variable written_cv_;  // readers, and recorders of a full queue, wait here
    std::deque<AuditEntry> queue_;
    std::uint64_t queued_ = 0;   // entries ever queued
    std::uint64_t written_ = 0;  // of those, written
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace shopd::auth
