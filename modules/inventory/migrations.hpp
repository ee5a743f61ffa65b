#pragma once

#include <shopd/migration.hpp>

namespace shopd::inventory {

// The schema of migrations/inventory/, compiled into the binary.
store::MigrationSet migrations();

}  // namespace shopd::inventory
