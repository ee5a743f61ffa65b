#include "util/clock.hpp"

#include <fmt/chrono.h>
#include <limits>

namespace shopd {

std::int64_t unix_millis(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string rfc3339(Clock::time_point time) {
    // Formatting the date and the time of day is the dear part, and most calls on a thread fall
    // in the same second as its last one.
    thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
    thread_local std::string cached_prefix;  // up to the seconds
    const auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(millis);
    if (seconds.time_since_epoch().count() != cached_second) {
        cached_prefix = fmt::format("{:%Y-%m-%dT%H:%M:%S}", fmt::gmtime(Clock::to_time_t(seconds)));
        cached_second = seconds.time_since_epoch().count();
    }
    const auto fraction = static_cast<int>((millis - seconds).count());
    std::string text;
    text.reserve(cached_prefix.size() + 5);
    text += cached_prefix;
    text += '.';
    text += static_cast<char>('0' + fraction / 100);
    text += static_cast<char>('0' + fraction / 10 % 10);
    text += static_cast<char>('0' + fraction % 10);
    text += 'Z';
    return text;
}

}  // namespace shopd
