#include "product_request.hpp"

#include <shopd/request_fields.hpp>

namespace shopd::inventory {

std::variant<NewProduct, std::vector<http::FieldError>> read_new_product(
    const boost::json::object& body) {
    std::vector<http::FieldError> errors;
    http::RequestFields fields(body, errors);
    fields.only({"sku", "name", "price_cents", "currency", "stock", "weight_grams", "category",
                 "description"});
    NewProduct product{fields.identifier("sku"),
                       fields.text("name"),
                       fields.integer("price_cents", 0, kMaxPriceCents),
                       fields.currency("currency"),
                       fields.integer("stock", 0, kMaxStock),
                       fields.optional_integer("weight_grams", 0, kMaxWeightGrams).value_or(0),
                       fields.optional_text("category", kMaxCategoryLength).value_or(""),
                       fields.optional_text("description", kMaxDescriptionLength).value_or("")};
    if (!errors.empty()) {
        return errors;
    }
    return product;
}

std::variant<ProductChange, std::vector<http::FieldError>> read_product_change(
    const boost::json::object& body) {
    std::vector<http::FieldError> errors;
    http::RequestFields fields(body, errors);
    fields.only({"name", "price_cents", "currency", "category", "description", "active"});
    ProductChange change{
        .name = fields.optional_text("name"),
        .price_cents = fields.optional_integer("price_cents", 0, kMaxPriceCents),
        .currency =
            body.contains("currency") ? std::optional{fields.currency("currency")} : std::nullopt,
        .category = fields.optional_text("category", kMaxCategoryLength),
        .description = fields.optional_text("description", kMaxDescriptionLength),
        .active = body.contains("active") ? std::optional{fields.boolean("active")} : std::nullopt,
    };
    if (!errors.empty()) {
        return errors;
    }
    return change;
}

std::variant<ProductQuery, std::vector<http::FieldError>> read_product_query(
    const http::Request& request) {
    std::vector<http::FieldError> errors;
    const auto page = http::page_of(request, errors);
    ProductQuery query{.category = std::string{request.query_param("category").value_or("")},
                       .search = std::string{request.query_param("q").value_or("")},
                       .after = page.cursor,
                       .limit = page.limit};
    if (query.search.size() > 100) {
        errors.push_back({"q", "must be at most 100 bytes"});
    }
    const auto active = request.query_param("active").value_or("true");
    if (active == "any") {
        query.active = std::nullopt;
    } else if (active == "true" || active == "false") {
        query.active = active == "true";
    } else {
        errors.push_back({"active", "must be true, false or any"});
    }
    const auto low_stock = request.query_param("low_stock").value_or("false");
    if (low_stock != "true" && low_stock != "false") {
        errors.push_back({"low_stock", "must be true or false"});
    }
    query.low_stock = low_stock == "true";
    if (!errors.empty()) {
        return errors;
    }
    return query;
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
