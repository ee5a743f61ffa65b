#include "store/checkpointer.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/database.hpp"
#include "support/temporary_directory.hpp"

namespace shopd::store {
namespace {

struct DatabaseFiles {
    std::uintmax_t log_bytes() const { return std::filesystem::file_size(path.string() + "-wal"); }
    testing::TemporaryDirectory directory;
    std::filesystem::path path = directory.path / "log.db";
};

}  // namespace

TEST_CASE("the thread copies a log back while the writer commits, and the log is started over",
          "[store]") {
    DatabaseFiles files;
    auto writer = open_database({files.path, false}, Durability::normal);
    writer->exec("CREATE TABLE row (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    const auto empty_bytes = std::filesystem::file_size(files.path);
    // The thread copies every 300 pages; the writer copies only once the log passes 2,000.
    Checkpointer checkpointer(300, 2000);
    checkpointer.watch(*writer, files.path, Durability::normal);

    constexpr int commits = 2000;
    SQLite::Statement insert(*writer, "INSERT INTO row (body) VALUES (zeroblob(5000))");
    std::uintmax_t largest_log = 0;
    for (int i = 1; i <= commits; ++i) {
        insert.exec();
        insert.reset();
        largest_log = std::max(largest_log, files.log_bytes());
        // About three pages a commit: at 400 commits the log has not reached 2,000 pages, so
        // only the thread can have copied rows into the database file.
        if (i == 400) {
            CHECK(std::filesystem::file_size(files.path) > empty_bytes + 1'000'000);
        }
        // A module does its work between commits.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Started over at 2,000 pages (8 MB); never started over, the log would hold every
    // commit's pages, about 27 MB.
    CHECK(largest_log < 10'000'000);

    checkpointer.stop();
    SQLite::Database reader(files.path.string(), SQLite::OPEN_READONLY);
    CHECK(reader.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(reader.execAndGet("SELECT count(*) FROM row").getInt() == commits);
}

}  // namespace shopd::store
