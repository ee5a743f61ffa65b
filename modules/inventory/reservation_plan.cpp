#include "reservation_plan.hpp"

namespace shopd::inventory {

std::string_view to_string(errc code) {
    switch (code) {
        case errc::out_of_stock:
            return "out_of_stock";
        case errc::unknown_product:
            return "unknown_product";
        case errc::mixed_currency:
            return "mixed_currency";
        case errc::sku_taken:
            return "sku_taken";
        case errc::below_reserved:
            return "below_reserved";
    }
    return "unknown";
}

result<ReservationPlan> plan_reservation(
    const std::vector<contracts::inventory::RequestedLine>& lines,
    const std::map<std::string, ProductStock>& products) {
    ReservationPlan plan;
    if (lines.empty()) {
        return failure(errc::out_of_stock);
    }
    std::map<std::string, std::int64_t> wanted;  // the same SKU on two lines adds up
    for (const auto& line : lines) {
        const auto found = products.find(line.sku);
        if (found == products.end()) {
            return failure(errc::unknown_product, {line.sku});
        }
        const auto& product = found->second;
        if (plan.currency.empty()) {
            plan.currency = product.currency;
        } else if (plan.currency != product.currency) {
            return failure(errc::mixed_currency, {line.sku});
        }
        wanted[line.sku] += line.quantity;
        if (line.quantity <= 0 || wanted[line.sku] > product.available) {
            return failure(errc::out_of_stock, {line.sku});
        }
    }
    for (const auto& [sku, quantity] : wanted) {
        const auto& product = products.at(sku);
        plan.lines.push_back({sku, quantity, product.price_cents, product.weight_grams});
        plan.total_cents += quantity * product.price_cents;
    }
    return plan;
}

}  // namespace shopd::inventory
