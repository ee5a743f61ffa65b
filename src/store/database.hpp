#pragma once

#include <SQLiteCpp/Database.h>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include <shopd/config.hpp>
#include <shopd/migration.hpp>

namespace shopd::store {

// A problem with a database file that stops start-up: it cannot be opened, a migration
// failed, or the file was written by a newer shopd.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct DatabaseLocation {
    std::filesystem::path file;  // ignored when in_memory
    bool in_memory = false;
};

// Opens one module's database with WAL, foreign keys and the configured durability.
std::unique_ptr<SQLite::Database> open_database(const DatabaseLocation& location,
                                                Durability durability);

// Applies every migration not yet recorded in schema_migrations, all in one transaction.
// Throws StoreError when a migration fails, when a recorded migration differs from the
// binary's, or when the database holds a version this binary does not know.
void apply_migrations(SQLite::Database& database, std::span<const MigrationSet> sets);

}  // namespace shopd::store
