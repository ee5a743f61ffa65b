#pragma once

#include <chrono>
#include <cstdint>

#include <shopd/settings.hpp>

namespace shopd::order {

struct OrderSettings {
    // Each saga step (reserve, pay, ship) must be answered within this, or the order is
    // cancelled with reason "timeout" and compensated.
    std::chrono::milliseconds step_timeout{30'000};
    std::chrono::milliseconds deadline_check_interval{250};
    int max_lines = 100;
    std::int64_t max_quantity = 1000;
};

// The [order] section: its keys, checks and help.
inline Settings<OrderSettings> order_settings() {
    using std::chrono::milliseconds;
    return std::move(
        Settings<OrderSettings>("order")
            .add("step_timeout_ms", &OrderSettings::step_timeout,
                 "Time each saga step may take before the order is cancelled (timeout)",
                 at_least(milliseconds{1}))
            .add("deadline_check_interval_ms", &OrderSettings::deadline_check_interval,
                 "How often step deadlines are checked", at_least(milliseconds{1}))
            .add("max_lines", &OrderSettings::max_lines, "Most lines one order may have",
                 at_least(1))
            .add("max_quantity", &OrderSettings::max_quantity, "Largest quantity of one order line",
                 at_least<std::int64_t>(1)));
}

}  // namespace shopd::order
