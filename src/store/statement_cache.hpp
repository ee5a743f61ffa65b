#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

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

namespace shopd::store {

// Runs one statement of the cache with the given arguments; returns the rows it changed.
template <class... Args>
int exec(StatementCache& statements, const std::string& sql, const Args&... args) {
    auto& statement = statements.get(sql);
    SQLite::bind(statement, args...);
    return statement.exec();
}

// Steps `statement` to its end, collecting the first column of every row, then resets it.
inline std::vector<std::string> first_column(SQLite::Statement& statement) {
    std::vector<std::string> values;
    while (statement.executeStep()) {
        values.push_back(statement.getColumn(0).getString());
    }
    statement.reset();
    return values;
}

// A nullable TEXT column as a JSON string or null.
inline boost::json::value text_or_null(const SQLite::Column& column) {
    return column.isNull() ? boost::json::value(nullptr) : boost::json::value(column.getString());
}

}  // namespace shopd::store
