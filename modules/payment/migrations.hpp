#pragma once

#include <shopd/migration.hpp>

namespace shopd::payment {

// The schema of migrations/payment/, compiled into the binary.
store::MigrationSet migrations();

}  // namespace shopd::payment
