#include "store/checkpointer.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "store/database.hpp"
#include "support/temporary_directory.hpp"

namespace shopd::store {
namespace {

struct DatabaseFiles {
    std::uintmax_t log_bytes() const { return std::filesystem::file_size(path.string() + "-wal"); }
    std::uintmax_t database_bytes() const { return std::filesystem::file_size(path); }
    testing::TemporaryDirectory directory;
    std::filesystem::path path = directory.path / "log.db";
};

// A writer that commits rows of about three log pages each, pausing between commits as a
// module does its work between them. The checks wait for the thread's copies to finish; the
// pause only gives the thread room to copy while the writer goes on, as in a module.
struct RowWriter {
    explicit RowWriter(SQLite::Database& database)
        : insert(database, "INSERT INTO row (body) VALUES (zeroblob(5000))") {}
    void commit() {
        insert.exec();
        insert.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    SQLite::Statement insert;
};

std::unique_ptr<SQLite::Database> open_row_database(const DatabaseFiles& files) {
    auto database = open_database({files.path, false}, Durability::normal);
    database->exec("CREATE TABLE row (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    return database;
}

}  // namespace

TEST_CASE("the thread copies a log back while the writer commits, and the log is started over",
          "[store]") {
    DatabaseFiles files;
    auto writer = open_row_database(files);
    const auto empty_bytes = files.database_bytes();
    // The thread copies every 300 pages; the writer copies only once the log passes 2,000.
    Checkpointer checkpointer(300, 2000);
    checkpointer.watch(*writer, files.path, Durability::normal);

    constexpr int commits = 2000;
    RowWriter rows(*writer);
    std::uintmax_t largest_log = 0;
    for (int i = 1; i <= commits; ++i) {
        rows.commit();
        largest_log = std::max(largest_log, files.log_bytes());
        // At 400 commits the log has not reached 2,000 pages, so only the thread can have
        // copied rows into the database file.
        if (i == 400) {
            checkpointer.wait_until_idle();
            CHECK(files.database_bytes() > empty_bytes + 1'000'000);
        }
    }
    // Started over at 2,000 pages (8 MB); never started over, the log would hold every
    // commit's pages, about 27 MB.
    CHECK(largest_log < 10'000'000);

    checkpointer.stop();
    SQLite::Database reader(files.path.string(), SQLite::OPEN_READONLY);
    CHECK(reader.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(reader.execAndGet("SELECT count(*) FROM row").getInt() == commits);
}

TEST_CASE("after a log started over the thread copies again once its first pages came", "[store]") {
    DatabaseFiles files;
    auto writer = open_row_database(files);
    // Only the thread copies: the writer would copy past a million pages.
    Checkpointer checkpointer(300, 1'000'000);
    checkpointer.watch(*writer, files.path, Durability::normal);
    RowWriter rows(*writer);
    // About 1,500 pages, most of them copied back by the thread.
    for (int i = 0; i < 450; ++i) {
        rows.commit();
    }
    // The log starts over (and is emptied) the way an operator's checkpoint would do it.
    writer->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const auto restarted_bytes = files.database_bytes();
    // About 600 pages of the new log: fewer than the old one had when the thread last copied,
    // more than the 300 after which the thread copies.
    for (int i = 0; i < 200; ++i) {
        rows.commit();
    }
    checkpointer.wait_until_idle();
    CHECK(files.database_bytes() > restarted_bytes + 300'000);
}

}  // namespace shopd::store
