#include "shipping_settings.hpp"

#include <algorithm>
#include <functional>

namespace shopd::shipping {
namespace {

void check_weight_bands(const ShippingSettings& settings) {
    const auto& limits = settings.weight_band_limits_grams;
    const auto& costs = settings.weight_band_costs_cents;
    if (limits.empty() && costs.empty()) {
        return;
    }
    if (costs.size() != limits.size() + 1) {
        throw BadValue{"weight_band_costs_cents: expected " + std::to_string(limits.size() + 1) +
                       " costs for " + std::to_string(limits.size()) + " weight band limits"};
    }
    if (!std::is_sorted(limits.begin(), limits.end(), std::less_equal<>{}) || limits.front() <= 0) {
        throw BadValue{"weight_band_limits_grams: expected positive limits in ascending order"};
    }
    if (std::any_of(costs.begin(), costs.end(), [](std::int64_t cost) { return cost < 0; })) {
        throw BadValue{"weight_band_costs_cents: costs must not be negative"};
    }
}

}  // namespace

Settings<ShippingSettings> shipping_settings() {
    return std::move(
        Settings<ShippingSettings>("shipping")
            .add("carrier", &ShippingSettings::carrier, "Carrier named on every shipment",
                 not_empty())
            .add("flat_cost_cents", &ShippingSettings::flat_cost_cents,
                 "Cost of a shipment when no weight bands are set", at_least<std::int64_t>(0))
            .add("weight_band_limits_grams", &ShippingSettings::weight_band_limits_grams,
                 "Upper weight of each band, ascending; empty: flat cost")
            .add("weight_band_costs_cents", &ShippingSettings::weight_band_costs_cents,
                 "Cost of each band, and last the cost above the last limit")
            .add("auto_dispatch_ms", &ShippingSettings::auto_dispatch,
                 "Dispatch a shipment that long after it was created, on the shop clock; 0: off",
                 at_least(std::chrono::milliseconds(0)))
            .add("auto_deliver_ms", &ShippingSettings::auto_deliver,
                 "Deliver a shipment that long after it was dispatched, on the shop clock; 0: off",
                 at_least(std::chrono::milliseconds(0)))
            .rule(check_weight_bands));
}

}  // namespace shopd::shipping
