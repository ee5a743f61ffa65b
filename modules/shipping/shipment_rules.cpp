#include "shipment_rules.hpp"

#include <array>
#include <cctype>
#include <fmt/format.h>

namespace shopd::shipping {

namespace {

constexpr std::array<std::string_view, 4> kStatusNames{"created", "dispatched", "delivered",
                                                       "cancelled"};

}  // namespace

std::string_view to_string(ShipmentStatus status) {
    return kStatusNames.at(static_cast<std::size_t>(status));
}

std::optional<ShipmentStatus> parse_shipment_status(std::string_view text) {
    for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
        if (kStatusNames[i] == text) {
            return static_cast<ShipmentStatus>(i);
        }
    }
    return std::nullopt;
}

result<ShipmentStatus> after(CarrierStep step, ShipmentStatus current) {
    const auto from =
        step == CarrierStep::dispatch ? ShipmentStatus::created : ShipmentStatus::dispatched;
    if (current != from) {
        return failure(errc::wrong_status, {std::string{to_string(from)}});
    }
    return step == CarrierStep::dispatch ? ShipmentStatus::dispatched : ShipmentStatus::delivered;
}

CancelAnswer answer_cancel(std::optional<ShipmentStatus> current) {
    if (current == ShipmentStatus::dispatched || current == ShipmentStatus::delivered) {
        return {.refused = true};
    }
    if (current == ShipmentStatus::created) {
        return {.next = ShipmentStatus::cancelled};
    }
    return {};  // no shipment yet, or cancelled already
}

std::int64_t shipping_cost(const ShippingSettings& config, std::int64_t weight_grams) {
    const auto& limits = config.weight_band_limits_grams;
    if (limits.empty()) {
        return config.flat_cost_cents;
    }
    for (std::size_t band = 0; band < limits.size(); ++band) {
        if (weight_grams <= limits[band]) {
            return config.weight_band_costs_cents[band];
        }
    }
    return config.weight_band_costs_cents.back();
}

std::string tracking_number(std::string_view carrier, std::uint64_t random) {
    std::string prefix;
    for (const char c : carrier) {
        if (std::isalpha(static_cast<unsigned char>(c)) && prefix.size() < 2) {
            prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return fmt::format("{}{:012}", prefix, random % 1'000'000'000'000ULL);
}

}  // namespace shopd::shipping
