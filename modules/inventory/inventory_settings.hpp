#pragma once

#include <chrono>
#include <cstdint>

#include <shopd/settings.hpp>

namespace shopd::inventory {

struct InventorySettings {
    // A reservation nobody commits or releases lapses after this and frees its stock.
    std::chrono::milliseconds reservation_ttl{15 * 60 * 1000};
    std::chrono::milliseconds expiry_check_interval{1000};
    std::int64_t low_stock_threshold = 5;
};

// The [inventory] section: its keys, checks and help.
inline Settings<InventorySettings> inventory_settings() {
    using std::chrono::milliseconds;
    return std::move(Settings<InventorySettings>("inventory")
                         .add("reservation_ttl_ms", &InventorySettings::reservation_ttl,
                              "A reservation neither committed nor released lapses after this",
                              at_least(milliseconds{1}))
                         .add("expiry_check_interval_ms", &InventorySettings::expiry_check_interval,
                              "How often lapsed reservations are freed", at_least(milliseconds{1}))
                         .add("low_stock_threshold", &InventorySettings::low_stock_threshold,
                              "LowStock is published when available stock falls below this",
                              at_least<std::int64_t>(0)));
}

}  // namespace shopd::inventory
