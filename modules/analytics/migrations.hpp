#pragma once

#include <shopd/migration.hpp>

namespace shopd::analytics {

// The schema of migrations/analytics/, compiled into the binary.
store::MigrationSet migrations();

}  // namespace shopd::analytics
