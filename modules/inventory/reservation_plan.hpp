#pragma once
// The reservation decision, free of storage: every line or none, at catalog prices.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <shopd/contracts/inventory.hpp>

namespace shopd::inventory {

struct ProductStock {
    std::string sku;
    std::int64_t price_cents = 0;
    std::string currency;
    std::int64_t weight_grams = 0;
    std::int64_t available = 0;
};

struct ReservationPlan {
    std::vector<contracts::inventory::ReservedLine> lines;
    std::int64_t total_cents = 0;
    std::string currency;
};

struct Refusal {
    std::string reason;  // out_of_stock, unknown_product, mixed_currency
    std::string sku;
};

// `products` holds what is known of the requested SKUs; a missing SKU is unknown.
std::variant<ReservationPlan, Refusal> plan_reservation(
    const std::vector<contracts::inventory::RequestedLine>& lines,
    const std::map<std::string, ProductStock>& products);

}  // namespace shopd::inventory
