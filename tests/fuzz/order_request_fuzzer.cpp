// POST /api/orders bodies: whatever arrives, read_place_order either refuses it naming the
// wrong fields, or returns an order that keeps every limit the saga relies on.
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "order_request.hpp"

namespace {

bool is_identifier(const std::string& text) {
    if (text.empty() || text.size() > 64) {
        return false;
    }
    for (const char c : text) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace shopd;
    using fuzz::require;
    const auto body = fuzz::request_body(fuzz::text_of(data, size));
    if (!body) {
        return 0;
    }
    const order::OrderSettings config;
    auto read = order::read_place_order(*body, config);
    if (const auto* errors = std::get_if<std::vector<http::FieldError>>(&read)) {
        fuzz::require_clear_refusal(*errors);
        return 0;
    }
    const auto& order = std::get<order::PlaceOrder>(read);
    require(is_identifier(order.customer_id), "customer_id is an identifier");
    require(!order.payment_token.empty() && order.payment_token.size() <= 100,
            "payment_token is 1 to 100 bytes");
    require(!order.lines.empty() && order.lines.size() <= std::size_t(config.max_lines),
            "an order has 1 to max_lines lines");
    std::set<std::string> skus;
    for (const auto& line : order.lines) {
        require(is_identifier(line.sku), "every sku is an identifier");
        require(skus.insert(line.sku).second, "a sku appears on one line only");
        require(line.quantity >= 1 && line.quantity <= config.max_quantity,
                "every quantity is 1 to max_quantity");
    }
    const auto& country = order.address.country;
    require(country.size() == 2 && country[0] >= 'A' && country[0] <= 'Z' && country[1] >= 'A' &&
                country[1] <= 'Z',
            "the country is two capital letters");
    require(!order.address.name.empty() && !order.address.line1.empty() &&
                !order.address.city.empty() && !order.address.postal_code.empty(),
            "the address has every required part");
    return 0;
}
