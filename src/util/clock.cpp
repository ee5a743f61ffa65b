#include "util/clock.hpp"

#include <fmt/chrono.h>

namespace shopd {

std::int64_t unix_millis(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string rfc3339(Clock::time_point time) {
    const auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(millis);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(Clock::to_time_t(seconds)),
                       (millis - seconds).count());
}

}  // namespace shopd
