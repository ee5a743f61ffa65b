#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace shopd {

using Clock = std::chrono::system_clock;

std::int64_t unix_millis(Clock::time_point time = Clock::now());

// RFC 3339 in UTC with millisecond precision, e.g. 2026-11-22T13:45:01.123Z.
std::string rfc3339(Clock::time_point time = Clock::now());

}  // namespace shopd
