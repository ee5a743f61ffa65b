#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "store/database.hpp"
#include "support/temporary_directory.hpp"

namespace shopd::store {
namespace {

using RowsAndBytes = std::pair<int, long long>;

struct LoggedDatabase {
    LoggedDatabase() {
        writer->exec("CREATE TABLE blob (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    }
    void insert(int rows, int bytes) const {
        SQLite::Statement insert(*writer, "INSERT INTO blob (body) VALUES (zeroblob(?))");
        for (int i = 0; i < rows; ++i) {
            insert.bind(1, bytes);
            insert.exec();
            insert.reset();
        }
    }
    // What a second connection, through SQLite's own VFS, finds in the file and its log while
    // the writer stays open: only what reached the files.
    RowsAndBytes seen_by_another_connection() const {
        SQLite::Database reader(path.string(), SQLite::OPEN_READONLY);
        CHECK(reader.execAndGet("PRAGMA integrity_check").getString() == "ok");
        SQLite::Statement count(reader,
                                "SELECT count(*), coalesce(sum(length(body)), 0) FROM blob");
        count.executeStep();
        return {count.getColumn(0).getInt(), count.getColumn(1).getInt64()};
    }

    testing::TemporaryDirectory directory;
    std::filesystem::path path = directory.path / "logged.db";
    std::unique_ptr<SQLite::Database> writer = open_database({path, false}, Durability::normal);
};

}  // namespace

TEST_CASE("each commit is in the write-ahead log when it returns, small or large", "[store]") {
    LoggedDatabase database;
    for (int commit = 1; commit <= 20; ++commit) {
        database.insert(1, 100);
        REQUIRE(database.seen_by_another_connection() == RowsAndBytes{commit, commit * 100LL});
    }
    {
        // About 12 MiB in one commit: more than is gathered before writing.
        SQLite::Transaction transaction(*database.writer);
        database.insert(3000, 4000);
        transaction.commit();
    }
    CHECK(database.seen_by_another_connection() == RowsAndBytes{3020, 2000 + 3000 * 4000LL});
}

TEST_CASE("a transaction that spilled pages to the log and rolled back leaves nothing behind",
          "[store]") {
    LoggedDatabase database;
    database.insert(1, 10);
    // A page cache of 20 pages: the large transaction must write frames before it ends.
    database.writer->exec("PRAGMA cache_size = 20");
    {
        SQLite::Transaction transaction(*database.writer);
        database.insert(2000, 3000);
    }  // rolled back
    // The next commit reuses the log space the rolled-back frames took.
    database.insert(2, 50);
    CHECK(database.seen_by_another_connection() == RowsAndBytes{3, 110});
}

TEST_CASE("commits after a checkpoint restarted the log are read back whole", "[store]") {
    LoggedDatabase database;
    database.insert(50, 5000);
    database.writer->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    database.insert(10, 5000);
    database.writer->exec("PRAGMA wal_checkpoint(PASSIVE)");
    database.insert(5, 5000);
    CHECK(database.seen_by_another_connection() == RowsAndBytes{65, 65 * 5000});
}

}  // namespace shopd::store
