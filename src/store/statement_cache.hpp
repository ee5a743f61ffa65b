#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <memory>
#include <string>
#include <unordered_map>

namespace shopd::store {

// Prepared statements of one connection, compiled once and reused. get() hands the statement
// back reset with its bindings cleared; finish stepping it before asking for it again.
class StatementCache {
  public:
    explicit StatementCache(SQLite::Database& database) : database_(database) {}

    SQLite::Statement& get(const std::string& sql) {
        auto& statement = statements_[sql];
        if (!statement) {
            statement = std::make_unique<SQLite::Statement>(database_, sql);
        } else {
            statement->reset();
            statement->clearBindings();
        }
        return *statement;
    }

  private:
    SQLite::Database& database_;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

}  // namespace shopd::store
