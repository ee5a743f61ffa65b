#pragma once

#include <shopd/migration.hpp>

namespace shopd::notification {

// The schema of migrations/notification/, compiled into the binary.
store::MigrationSet migrations();

}  // namespace shopd::notification
