#pragma once

#include <shopd/migration.hpp>

namespace shopd::store {

// The messaging tables (outbox, deliveries, inbox) every module database carries.
MigrationSet platform_migrations();

}  // namespace shopd::store
