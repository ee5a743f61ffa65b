#include "store/checkpointer.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "store/database.hpp"

namespace shopd::store {
namespace {

constexpr int kSqliteDefaultCheckpointPages = 1000;

std::uint64_t copy_figures(int log_pages, int copied_pages) {
    return (static_cast<std::uint64_t>(log_pages) << 32U) |
           static_cast<std::uint32_t>(copied_pages);
}

}  // namespace

struct Checkpointer::Log {
    Log(Checkpointer& owner_of, sqlite3* writer_of, std::filesystem::path file_of,
        Durability durability_of)
        : owner(owner_of), writer(writer_of), file(std::move(file_of)), durability(durability_of) {}

    Checkpointer& owner;
    sqlite3* writer;
    std::filesystem::path file;
    Durability durability;
    bool due = false;                   // under owner.mutex_
    std::atomic<bool> unusable{false};  // the thread cannot open its connection: writers copy
    // The last copy: the log's pages then (high half) and how many of them were copied back
    // (low half), stored as one so that a commit never reads half of an old copy's figures.
    std::atomic<std::uint64_t> last_copy{0};
    std::unique_ptr<SQLite::Database> connection;  // only on the thread
};

Checkpointer::Checkpointer(int background_pages, int commit_pages)
    : background_pages_(background_pages), commit_pages_(commit_pages) {}

Checkpointer::~Checkpointer() {
    stop();
}

void Checkpointer::watch(SQLite::Database& database, const std::filesystem::path& file,
                         Durability durability) {
    std::lock_guard lock(mutex_);
    auto& log =
        *logs_.emplace_back(std::make_unique<Log>(*this, database.getHandle(), file, durability));
    // Replaces SQLite's own hook, which is what copies the log back on commit.
    sqlite3_wal_hook(log.writer, &Checkpointer::committed, &log);
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { run(); });
    }
}

int Checkpointer::committed(void* context, sqlite3* writer, const char* schema, int pages) {
    auto& log = *static_cast<Log*>(context);
    auto& owner = log.owner;
    const auto last_copy = log.last_copy.load();
    // A log shorter than at the last copy has started over since: none of it is copied.
    const int copied =
        pages >= static_cast<int>(last_copy >> 32U) ? static_cast<int>(last_copy & 0xffffffffU) : 0;
    const int uncopied = pages - copied;
    // The commit copies the log itself, as SQLite would, when the log passes commit_pages (the
    // writer never pauses long enough for a log the thread copied whole to start over) or when
    // the thread cannot copy.
    const bool writer_copies =
        pages >= owner.commit_pages_ || (pages >= owner.background_pages_ && log.unusable);
    if (writer_copies) {
        sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    // The thread copies once `background_pages` more have come since its last copy, not after
    // every commit: a page changed many times in between is written once, and each copy costs
    // a sync of the database file.
    if (uncopied >= owner.background_pages_) {
        std::lock_guard lock(owner.mutex_);
        if (!log.due) {
            log.due = true;
            owner.wanted_.notify_one();
        }
    }
    return SQLITE_OK;
}

void Checkpointer::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wanted_.wait(lock, [this] {
            return stopping_ || std::any_of(logs_.begin(), logs_.end(),
                                            [](const auto& log) { return log->due; });
        });
        if (stopping_) {
            return;
        }
        std::vector<Log*> due;
        for (const auto& log : logs_) {
            if (log->due) {
                log->due = false;
                due.push_back(log.get());
            }
        }
        copying_ = true;
        lock.unlock();
        for (auto* log : due) {
            checkpoint(*log);
        }
        lock.lock();
        copying_ = false;
        idle_.notify_all();
    }
}

void Checkpointer::wait_until_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] {
        return stopping_ || (!copying_ && std::none_of(logs_.begin(), logs_.end(),
                                                       [](const auto& log) { return log->due; }));
    });
}

void Checkpointer::checkpoint(Log& log) {
    try {
        if (!log.connection) {
            log.connection = open_database({log.file, false}, log.durability);
        }
    } catch (const std::exception& error) {
        spdlog::warn("{}: cannot open a connection to copy the log back, commits do it: {}",
                     log.file.string(), error.what());
        log.unusable = true;
        return;
    }
    // Passive: copies what no reader still needs and never waits for the writer.
    int copied = 0;
    int pages = 0;
    const int rc = sqlite3_wal_checkpoint_v2(log.connection->getHandle(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &pages, &copied);
    if (rc == SQLITE_OK) {
        log.last_copy = copy_figures(pages, copied);
    } else if (rc != SQLITE_BUSY) {
        spdlog::warn("{}: copying the log back failed: {}", log.file.string(), sqlite3_errstr(rc));
    }
}

void Checkpointer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wanted_.notify_one();
    idle_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    for (const auto& log : logs_) {
        log->connection.reset();
        // Whatever the writer commits from now on is copied back as SQLite does by default.
        sqlite3_wal_autocheckpoint(log->writer, kSqliteDefaultCheckpointPages);
    }
    logs_.clear();
}

}  // namespace shopd::store
