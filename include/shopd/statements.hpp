#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shopd::store {

// Prepared statements of one connection, compiled once and reused. get() hands the statement
// back reset with its bindings cleared; finish stepping it before asking for it again.
class StatementCache {
  public:
    explicit StatementCache(SQLite::Database& database) : database_(database) {}

    SQLite::Statement& get(std::string_view sql) {
        // Looked up by the text itself: a statement run thousands of times a second builds
        // no string to find itself.
        const auto found = statements_.find(sql);
        if (found == statements_.end()) {
            const std::string text{sql};
            return *statements_.emplace(text, std::make_unique<SQLite::Statement>(database_, text))
                        .first->second;
        }
        found->second->reset();
        found->second->clearBindings();
        return *found->second;
    }

  private:
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    SQLite::Database& database_;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, TextHash, std::equal_to<>>
        statements_;
};

}  // namespace shopd::store

namespace shopd::store {

// Runs one statement of the cache with the given arguments; returns the rows it changed.
template <class... Args>
int exec(StatementCache& statements, std::string_view sql, const Args&... args) {
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

// A history kept in its row's TEXT column, a JSON object per line, so that a step appends to
// it (`column = column || ?`) in the update it makes anyway rather than inserting a row.
std::string history_line(const boost::json::object& entry);
// The entries of such a column, oldest first.
boost::json::array history_entries(std::string_view lines);

}  // namespace shopd::store
