#pragma once

#include <shopd/migration.hpp>

namespace shopd::order {

// The schema of migrations/order/, compiled into the binary.
store::MigrationSet migrations();

}  // namespace shopd::order
