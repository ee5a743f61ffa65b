#pragma once

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
};

// The [shipping] section: its keys, checks and help.
Settings<ShippingSettings> shipping_settings();

}  // namespace shopd::shipping
