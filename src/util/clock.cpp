#include <cctype>
#include <charconv>
#include <fmt/chrono.h>
#include <limits>

#include <shopd/clock.hpp>

namespace shopd {
namespace {

// Reads `digits` decimal digits at `position`, moving it on.
std::optional<int> number(std::string_view text, std::size_t& position, std::size_t digits) {
    if (position + digits > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    const auto* begin = text.data() + position;
    const auto [end, error] = std::from_chars(begin, begin + digits, value);
    if (error != std::errc{} || end != begin + digits) {
        return std::nullopt;
    }
    position += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& position, std::string_view one_of) {
    if (position < text.size() && one_of.find(text[position]) != std::string_view::npos) {
        ++position;
        return true;
    }
    return false;
}

}  // namespace

std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_rfc3339(
    std::string_view text) {
    using namespace std::chrono;
    std::size_t at = 0;
    const auto year = number(text, at, 4);
    if (!year || !expect(text, at, "-")) {
        return std::nullopt;
    }
    const auto month = number(text, at, 2);
    if (!month || !expect(text, at, "-")) {
        return std::nullopt;
    }
    const auto day = number(text, at, 2);
    if (!day || !expect(text, at, "Tt ")) {
        return std::nullopt;
    }
    const auto hour = number(text, at, 2);
    if (!hour || !expect(text, at, ":")) {
        return std::nullopt;
    }
    const auto minute = number(text, at, 2);
    if (!minute || !expect(text, at, ":")) {
        return std::nullopt;
    }
    const auto second = number(text, at, 2);
    if (!second) {
        return std::nullopt;
    }
    int millis = 0;
    if (expect(text, at, ".")) {
        int digits = 0;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
            if (digits < 3) {
                millis = millis * 10 + (text[at] - '0');
            }
            ++digits;
            ++at;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    minutes offset{0};
    if (!expect(text, at, "Zz")) {
        if (at >= text.size() || (text[at] != '+' && text[at] != '-')) {
            return std::nullopt;
        }
        const int sign = text[at++] == '-' ? -1 : 1;
        const auto offset_hours = number(text, at, 2);
        if (!offset_hours || !expect(text, at, ":")) {
            return std::nullopt;
        }
        const auto offset_minutes = number(text, at, 2);
        if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
            return std::nullopt;
        }
        offset = sign * (hours{*offset_hours} + minutes{*offset_minutes});
    }
    const year_month_day date{std::chrono::year{*year}, std::chrono::month{unsigned(*month)},
                              std::chrono::day{unsigned(*day)}};
    if (at != text.size() || !date.ok() || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    return sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second} +
           milliseconds{millis} - offset;
}

ShopClock::time_point ShopClock::now() const {
    if (frozen_.load(std::memory_order_acquire)) {
        return time_point{duration{frozen_at_.load(std::memory_order_relaxed)}};
    }
    return std::chrono::system_clock::now() + duration{offset_.load(std::memory_order_relaxed)};
}

bool ShopClock::advance(duration step) {
    if (step < duration::zero()) {
        return false;
    }
    {
        std::lock_guard lock(mutex_);
        if (frozen_) {
            frozen_at_ += step.count();
        } else {
            offset_ += step.count();
        }
    }
    changed();
    return true;
}

bool ShopClock::set(time_point instant) {
    {
        std::lock_guard lock(mutex_);
        const auto current = now();
        if (instant < current) {
            return false;
        }
        if (frozen_) {
            frozen_at_ = instant.time_since_epoch().count();
        } else {
            offset_ += (instant - current).count();
        }
    }
    changed();
    return true;
}

void ShopClock::freeze(bool frozen) {
    {
        std::lock_guard lock(mutex_);
        if (frozen == frozen_) {
            return;
        }
        if (frozen) {
            frozen_at_ = now().time_since_epoch().count();
            frozen_.store(true, std::memory_order_release);
        } else {
            // Runs on from the frozen instant.
            offset_ = frozen_at_ - std::chrono::system_clock::now().time_since_epoch().count();
            frozen_.store(false, std::memory_order_release);
        }
    }
    changed();
}

bool ShopClock::frozen() const {
    return frozen_.load(std::memory_order_acquire);
}

void ShopClock::on_change(std::function<void()> listener) {
    std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(listener));
}

void ShopClock::changed() {
    std::vector<std::function<void()>> listeners;
    {
        std::lock_guard lock(mutex_);
        listeners = listeners_;
    }
    for (const auto& listener : listeners) {
        listener();
    }
}

std::int64_t unix_millis(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
    // Formatting the date and the time of day is the dear part, and most calls on a thread fall
    // in the same second as its last one.
    thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
    thread_local std::string cached_prefix;  // up to the seconds
    const auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(millis);
    if (seconds.time_since_epoch().count() != cached_second) {
        cached_prefix = fmt::format("{:%Y-%m-%dT%H:%M:%S}",
                                    fmt::gmtime(std::chrono::system_clock::to_time_t(seconds)));
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
