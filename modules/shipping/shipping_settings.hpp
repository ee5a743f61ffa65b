#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <shopd/settings.hpp>

namespace shopd::shipping {

struct ShippingSettings {
    std::string carrier = "ShopPost";
    // Cost by weight: a parcel up to weight_band_limits_grams[i] costs weight_band_costs_cents[i],
    // a heavier one the last cost (one more cost than limits). No bands: flat_cost_cents.
    std::int64_t flat_cost_cents = 499;
    std::vector<std::int64_t> weight_band_limits_grams;
    std::vector<std::int64_t> weight_band_costs_cents;
    // The carrier's steps taken by the shop clock, that long after the shipment was created or
    // dispatched (a demo, a test); zero: only through the dispatch and deliver routes.
    std::chrono::milliseconds auto_dispatch{0};
    std::chrono::milliseconds auto_deliver{0};
};

// The [shipping] section: its keys, checks and help.
Settings<ShippingSettings> shipping_settings();

}  // namespace shopd::shipping
