#include "store/checkpointer.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
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

TEST_CASE("a log the writer never stops appending to is copied back and started over", "[store]") {
    DatabaseFiles files;
    auto writer = open_database({files.path, false}, Durability::normal);
    writer->exec("CREATE TABLE row (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    // From 300 pages on the thread copies, and the writer finishes the last 256; on its own
    // the writer would copy only past a million.
    Checkpointer checkpointer(300, 1'000'000);
    checkpointer.watch(*writer, files.path, Durability::normal);

    constexpr int commits = 2000;
    SQLite::Statement insert(*writer, "INSERT INTO row (body) VALUES (zeroblob(5000))");
    for (int i = 0; i < commits; ++i) {
        insert.exec();
        insert.reset();
        // A module does its work between commits; a writer that outpaces the copy is left to
        // the last resort.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Never started over, the log would hold every commit's pages: about 27 MB.
    CHECK(files.log_bytes() < 14'000'000);

    checkpointer.stop();
    SQLite::Database reader(files.path.string(), SQLite::OPEN_READONLY);
    CHECK(reader.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(reader.execAndGet("SELECT count(*) FROM row").getInt() == commits);
}

}  // namespace shopd::store
