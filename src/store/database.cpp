#include "store/database.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <algorithm>
#include <fmt/format.h>
#include <mutex>
#include <sqlite3.h>

#include <shopd/clock.hpp>
#include <shopd/digest.hpp>

#include "store/wal_write_vfs.hpp"

namespace shopd::store {
namespace {

void create_migrations_table(SQLite::Database& database) {
    database.exec(R"sql(
        CREATE TABLE IF NOT EXISTS schema_migrations (
            component  TEXT    NOT NULL,
            version    INTEGER NOT NULL,
            name       TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            applied_at TEXT    NOT NULL,
            PRIMARY KEY (component, version)
        ) WITHOUT ROWID)sql");
}

void check_recorded(SQLite::Database& database, const MigrationSet& set) {
    SQLite::Statement recorded(database,
                               "SELECT version, name, checksum FROM schema_migrations "
                               "WHERE component = ? ORDER BY version");
    recorded.bind(1, set.component);
    while (recorded.executeStep()) {
        const int version = recorded.getColumn(0).getInt();
        const auto known = std::find_if(set.migrations.begin(), set.migrations.end(),
                                        [&](const Migration& m) { return m.version == version; });
        if (known == set.migrations.end()) {
            throw StoreError(fmt::format(
                "{}: schema version {} of '{}' is newer than this shopd knows (up to {}); "
                "run a newer shopd or restore a backup",
                database.getFilename(), version, set.component,
                set.migrations.empty() ? 0 : set.migrations.back().version));
        }
        if (recorded.getColumn(2).getString() != sha256_hex(known->sql)) {
            throw StoreError(fmt::format(
                "{}: migration {} '{}' of '{}' was applied with different SQL than this shopd "
                "has; a shipped migration must never change",
                database.getFilename(), version, recorded.getColumn(1).getString(), set.component));
        }
    }
}

// SQLite counts its allocations behind one process-wide mutex, which every module's thread
// would queue on; shopd never reads those counts. Only possible before SQLite's first use.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

bool is_applied(SQLite::Database& database, const std::string& component, int version) {
    SQLite::Statement query(database,
                            "SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?");
    query.bind(1, component);
    query.bind(2, version);
    return query.executeStep();
}

}  // namespace

std::unique_ptr<SQLite::Database> open_database(const DatabaseLocation& location,
                                                Durability durability) {
    const std::string name = location.in_memory ? ":memory:" : location.file.string();
    std::unique_ptr<SQLite::Database> database;
    configure_sqlite_once();
    try {
        // No connection mutex: a connection is only ever used on its module's strand.
        database = std::make_unique<SQLite::Database>(
            name, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, 0,
            location.in_memory ? "" : wal_write_vfs());
        // Another process holding the file must fail start-up quickly, not hang it.
        database->setBusyTimeout(2000);
        if (!location.in_memory) {
            const auto mode = database->execAndGet("PRAGMA journal_mode = WAL").getString();
            if (mode != "wal") {
                throw StoreError(
                    fmt::format("{}: cannot switch to WAL mode (got '{}')", name, mode));
            }
        }
        database->exec(durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                      : "PRAGMA synchronous = NORMAL");
        database->exec("PRAGMA foreign_keys = ON");
        // A batch written again after a failed unit runs each unit in a savepoint; their undo
        // journals stay in memory.
        database->exec("PRAGMA temp_store = MEMORY");
        // Touch the schema so a locked, unreadable or non-database file fails here.
        database->execAndGet("SELECT count(*) FROM sqlite_schema");
    } catch (const SQLite::Exception& error) {
        throw StoreError(fmt::format("{}: cannot open database: {}", name, error.what()));
    }
    return database;
}

void apply_migrations(SQLite::Database& database, std::span<const MigrationSet> sets) {
    try {
        SQLite::Transaction transaction(database, SQLite::TransactionBehavior::IMMEDIATE);
        create_migrations_table(database);
        for (const auto& set : sets) {
            check_recorded(database, set);
            for (const auto& migration : set.migrations) {
                if (is_applied(database, set.component, migration.version)) {
                    continue;
                }
                try {
                    database.exec(std::string{migration.sql});
                } catch (const SQLite::Exception& error) {
                    throw StoreError(fmt::format("{}: migration {} '{}' of '{}' failed: {}",
                                                 database.getFilename(), migration.version,
                                                 migration.name, set.component, error.what()));
                }
                SQLite::Statement record(database,
                                         "INSERT INTO schema_migrations "
                                         "(component, version, name, checksum, applied_at) "
                                         "VALUES (?, ?, ?, ?, ?)");
                record.bind(1, set.component);
                record.bind(2, migration.version);
                record.bind(3, std::string{migration.name});
                record.bind(4, sha256_hex(migration.sql));
                record.bind(5, rfc3339(std::chrono::system_clock::now()));
                record.exec();
            }
        }
        transaction.commit();
    } catch (const SQLite::Exception& error) {
        throw StoreError(
            fmt::format("{}: cannot migrate: {}", database.getFilename(), error.what()));
    }
}

}  // namespace shopd::store
