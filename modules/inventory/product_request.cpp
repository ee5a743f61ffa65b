#include "product_request.hpp"

#include <shopd/request_fields.hpp>

namespace shopd::inventory {

std::variant<NewProduct, std::vector<http::FieldError>> read_new_product(
    const boost::json::object& body) {
    std::vector<http::FieldError> errors;
    http::RequestFields fields(body, errors);
    fields.only({"sku", "name", "price_cents", "currency", "stock", "weight_grams"});
    NewProduct product{fields.identifier("sku"),
                       fields.text("name"),
                       fields.integer("price_cents", 0, kMaxPriceCents),
                       fields.currency("currency"),
                       fields.integer("stock", 0, kMaxStock),
                       fields.optional_integer("weight_grams", 0, kMaxWeightGrams).value_or(0)};
    if (!errors.empty()) {
        return errors;
    }
    return product;
}

std::variant<std::int64_t, std::vector<http::FieldError>> read_stock_delta(
    const boost::json::object& body) {
    std::vector<http::FieldError> errors;
    http::RequestFields fields(body, errors);
    fields.only({"delta"});
    const auto delta = fields.integer("delta", -kMaxStock, kMaxStock);
    if (!errors.empty()) {
        return errors;
    }
    return delta;
}

}  // namespace shopd::inventory
