#pragma once

#include <span>
#include <string>
#include <string_view>

namespace shopd::store {

// One numbered schema change, compiled into the binary from migrations/<component>/NNNN_*.sql.
struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// The migrations of one component (the platform's messaging tables, or a module's own).
struct MigrationSet {
    std::string component;
    std::span<const Migration> migrations;
};

}  // namespace shopd::store
