#pragma once
// The shipping module's rules, free of storage: a parcel's life (created, dispatched,
// delivered, or cancelled before it left), its cost and its tracking number.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <shopd/result.hpp>
#include <shopd/strong_id.hpp>

#include "shipping_settings.hpp"

namespace shopd::shipping {

using OrderId = StrongId<struct OrderIdTag>;
using ShipmentId = StrongId<struct ShipmentIdTag>;

// The shipping module's expected failures.
enum class errc {
    unknown_shipment,
    wrong_status,  // subjects: the status the step needs
};
template <class T>
using result = Result<T, errc>;

enum class ShipmentStatus { created, dispatched, delivered, cancelled };
std::string_view to_string(ShipmentStatus status);
std::optional<ShipmentStatus> parse_shipment_status(std::string_view text);

// The carrier's steps: dispatch takes a created parcel, deliver a dispatched one.
enum class CarrierStep { dispatch, deliver };
result<ShipmentStatus> after(CarrierStep step, ShipmentStatus current);

// The answer to an order's cancel: a parcel that has left is never called back, and the
// order then stays with it; otherwise the shipment (if there is one yet) is cancelled.
struct CancelAnswer {
    bool refused = false;
    std::optional<ShipmentStatus> next = {};  // the shipment's new status, if it changes
};
CancelAnswer answer_cancel(std::optional<ShipmentStatus> current);

// What a parcel of `weight_grams` costs under `config`: by weight band, or flat.
std::int64_t shipping_cost(const ShippingSettings& config, std::int64_t weight_grams);

// The carrier's first two letters and twelve digits from `random`, e.g. SH123456789012.
std::string tracking_number(std::string_view carrier, std::uint64_t random);

}  // namespace shopd::shipping
