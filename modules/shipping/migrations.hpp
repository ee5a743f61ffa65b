#pragma once

#include <shopd/migration.hpp>

namespace shopd::shipping {

// The schema of migrations/shipping/, compiled into the binary.
store::MigrationSet migrations();

}  // namespace shopd::shipping
