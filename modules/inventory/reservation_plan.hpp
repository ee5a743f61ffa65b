#pragma once
// The inventory's rules, free of storage: the reservation decision (every line or none, at
// catalog prices), and the module's expected failures.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <shopd/contracts/inventory.hpp>
#include <shopd/result.hpp>
#include <shopd/strong_id.hpp>

namespace shopd::inventory {

using Sku = StrongId<struct SkuTag>;

// The inventory's expected failures; each names the SKU it concerns.
enum class errc {
    out_of_stock,
    unknown_product,
    mixed_currency,
    sku_taken,       // a new product's SKU exists already
    below_reserved,  // stock may not fall below what is reserved
};
template <class T>
using result = Result<T, errc>;

// A refused reservation's reason as StockRejected carries it.
std::string_view to_string(errc code);

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

// `products` holds what is known of the requested SKUs; a missing SKU is unknown.
// Refused as out_of_stock, unknown_product or mixed_currency, with the SKU of the line.
result<ReservationPlan> plan_reservation(
    const std::vector<contracts::inventory::RequestedLine>& lines,
    const std::map<std::string, ProductStock>& products);

}  // namespace shopd::inventory
