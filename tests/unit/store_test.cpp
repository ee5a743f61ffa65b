#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "store/database.hpp"
#include "support/temporary_directory.hpp"

namespace shopd::store {
namespace {

constexpr Migration kV1[] = {{1, "create_things", "CREATE TABLE things (id INTEGER PRIMARY KEY);"}};
constexpr Migration kV2[] = {{1, "create_things", "CREATE TABLE things (id INTEGER PRIMARY KEY);"},
                             {2, "add_name", "ALTER TABLE things ADD COLUMN name TEXT;"}};
constexpr Migration kEdited[] = {
    {1, "create_things", "CREATE TABLE things (id INTEGER PRIMARY KEY, extra TEXT);"}};
constexpr Migration kBroken[] = {
    {1, "create_things", "CREATE TABLE things (id INTEGER PRIMARY KEY);"},
    {2, "create_more", "CREATE TABLE more (id INTEGER);"},
    {3, "broken", "ALTER TABLE nothing ADD COLUMN x;"}};

int applied(SQLite::Database& database) {
    return database.execAndGet("SELECT count(*) FROM schema_migrations").getInt();
}

struct DatabaseFile {
    testing::TemporaryDirectory directory;
    std::filesystem::path path = directory.path / "store.db";
};

}  // namespace

TEST_CASE("migrations are applied once and recorded", "[store]") {
    auto database = open_database({{}, true}, Durability::normal);
    const MigrationSet sets[] = {{"things", kV2}};
    apply_migrations(*database, sets);
    apply_migrations(*database, sets);
    CHECK(applied(*database) == 2);
    database->exec("INSERT INTO things (name) VALUES ('a')");
}

TEST_CASE("a newer schema version than the binary knows stops start-up", "[store]") {
    auto database = open_database({{}, true}, Durability::normal);
    const MigrationSet newer[] = {{"things", kV2}};
    apply_migrations(*database, newer);
    const MigrationSet older[] = {{"things", kV1}};
    CHECK_THROWS_WITH(apply_migrations(*database, older),
                      Catch::Contains("schema version 2") && Catch::Contains("newer"));
}

TEST_CASE("a shipped migration whose SQL changed stops start-up", "[store]") {
    auto database = open_database({{}, true}, Durability::normal);
    const MigrationSet original[] = {{"things", kV1}};
    apply_migrations(*database, original);
    const MigrationSet edited[] = {{"things", kEdited}};
    CHECK_THROWS_WITH(apply_migrations(*database, edited), Catch::Contains("different SQL"));
}

TEST_CASE("a failing migration applies nothing of the batch and names itself", "[store]") {
    auto database = open_database({{}, true}, Durability::normal);
    const MigrationSet broken[] = {{"things", kBroken}};
    CHECK_THROWS_WITH(apply_migrations(*database, broken), Catch::Contains("migration 3 'broken'"));
    CHECK_FALSE(database->tableExists("things"));
    CHECK_FALSE(database->tableExists("more"));
}

TEST_CASE("a database file opens in WAL mode with foreign keys and the chosen durability",
          "[store]") {
    DatabaseFile file;
    auto normal = open_database({file.path, false}, Durability::normal);
    CHECK(normal->execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(normal->execAndGet("PRAGMA foreign_keys").getInt() == 1);
    CHECK(normal->execAndGet("PRAGMA synchronous").getInt() == 1);
    normal.reset();
    auto full = open_database({file.path, false}, Durability::full);
    CHECK(full->execAndGet("PRAGMA synchronous").getInt() == 2);
}

TEST_CASE("a file that is not a database cannot be opened", "[store]") {
    DatabaseFile file;
    { std::ofstream(file.path) << "this is not a database, just some text that is long enough"; }
    CHECK_THROWS_AS(open_database({file.path, false}, Durability::normal), StoreError);
}

TEST_CASE("a database in a missing directory cannot be opened", "[store]") {
    CHECK_THROWS_WITH(open_database({"/nonexistent/dir/x.db", false}, Durability::normal),
                      Catch::Contains("cannot open"));
}

}  // namespace shopd::store
