#pragma once

#include <iosfwd>

#include "app/command_line.hpp"

namespace shopd::auth {

// Runs `shopd keys ...`: the exit code (0 done, 1 refused, 2 bad usage, 3 the directory is
// in use or cannot be opened), with one line on `error` when it is not 0.
int run_keys_command(const KeysCommand& command, std::ostream& out, std::ostream& error);

}  // namespace shopd::auth
