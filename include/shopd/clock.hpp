#pragma once
// Business time: what shopd stamps on records and messages, and what step deadlines,
// reservation expiry, delivery and webhook retries, idempotency keys and message retention are
// measured against. It follows the system clock until someone moves it: frozen, it stands
// still; advanced or set, it jumps ahead, and the work waiting on business time looks again at
// once. It never goes back. Security and transport time (HTTP timeouts) stay on the real clock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopd {

class ShopClock {
  public:
    using time_point = std::chrono::system_clock::time_point;
    using duration = std::chrono::system_clock::duration;

    time_point now() const;

    // Moves business time forward by `step`; a negative step is refused (false).
    bool advance(duration step);
    // Moves business time to `instant`; an instant before now() is refused (false).
    bool set(time_point instant);
    // Stops business time at now(), or lets it run on from where it stands.
    void freeze(bool frozen);
    bool frozen() const;

    // Runs `listener` after each advance, set or freeze, on the thread that moved the clock.
    // Listeners are kept for the clock's lifetime: register them while wiring up.
    void on_change(std::function<void()> listener);

  private:
    void changed();

    // now() = system clock + offset, or the frozen instant; both in system-clock ticks.
    std::atomic<std::int64_t> offset_{0};
    std::atomic<bool> frozen_{false};
    std::atomic<std::int64_t> frozen_at_{0};
    mutable std::mutex mutex_;  // serialises moves and guards listeners_
    std::vector<std::function<void()>> listeners_;
};

std::int64_t unix_millis(std::chrono::system_clock::time_point time);

// RFC 3339 in UTC with millisecond precision, e.g. 2026-11-22T13:45:01.123Z.
std::string rfc3339(std::chrono::system_clock::time_point time);

// 2026-12-01T10:00:00Z, with fractions of a second (kept to the millisecond) and a numeric
// offset allowed; nullopt when the text is not RFC 3339.
std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_rfc3339(
    std::string_view text);

}  // namespace shopd
