#include "order_request.hpp"

#include <fmt/format.h>
#include <set>
#include <string>

#include <shopd/request_fields.hpp>

namespace shopd::order {
namespace json = boost::json;
using contracts::order::OrderLine;

std::variant<PlaceOrder, std::vector<http::FieldError>> read_place_order(
    const json::object& body, const OrderSettings& config) {
    std::vector<http::FieldError> errors;
    http::RequestFields fields(body, errors);
    fields.only({"customer_id", "items", "shipping_address", "payment_token"});
    PlaceOrder order;
    order.customer_id = fields.identifier("customer_id");
    order.payment_token = fields.text("payment_token", 100);
    if (const auto* items = fields.array("items")) {
        if (items->empty() || static_cast<int>(items->size()) > config.max_lines) {
            fields.error("items", fmt::format("must hold 1 to {} lines", config.max_lines));
        }
        std::set<std::string> skus;
        for (std::size_t i = 0; i < items->size() && i < std::size_t(config.max_lines); ++i) {
            const auto path = fmt::format("items[{}]", i);
            if (!(*items)[i].is_object()) {
                errors.push_back({path, "must be an object"});
                continue;
            }
            http::RequestFields line((*items)[i].get_object(), errors, path);
            line.only({"sku", "quantity"});
            OrderLine parsed{line.identifier("sku"),
                             line.integer("quantity", 1, config.max_quantity)};
            if (!parsed.sku.empty() && !skus.insert(parsed.sku).second) {
                line.error("sku", "appears on another line; put the whole quantity on one line");
            }
            order.lines.push_back(std::move(parsed));
        }
    }
    if (const auto* address = fields.object("shipping_address")) {
        http::RequestFields field(*address, errors, "shipping_address");
        field.only({"name", "line1", "line2", "city", "postal_code", "country"});
        order.address.name = field.text("name");
        order.address.line1 = field.text("line1");
        order.address.line2 = field.optional_text("line2");
        order.address.city = field.text("city", 100);
        order.address.postal_code = field.text("postal_code", 20);
        order.address.country = field.text("country", 2);
        const auto& country = order.address.country;
        const auto capital = [](char letter) { return letter >= 'A' && letter <= 'Z'; };
        if (!country.empty() &&
            (country.size() != 2 || !capital(country[0]) || !capital(country[1]))) {
            field.error("country", "must be an ISO 3166 alpha-2 code such as DE");
        }
    }
    if (!errors.empty()) {
        return errors;
    }
    return order;
}

}  // namespace shopd::order
