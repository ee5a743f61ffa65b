#pragma once
// The bodies of the inventory's POST routes read into values, or every field that is wrong.
// Kept apart from the routes so the fuzzer reaches exactly what the routes run.

#include <boost/json/object.hpp>
#include <cstdint>
#include <variant>
#include <vector>

#include <shopd/http.hpp>

#include "stock.hpp"

namespace shopd::inventory {

inline constexpr std::int64_t kMaxPriceCents = 1'000'000'000'000;
inline constexpr std::int64_t kMaxStock = 1'000'000'000;
inline constexpr std::int64_t kMaxWeightGrams = 100'000'000;
inline constexpr std::size_t kMaxCategoryLength = 60;
inline constexpr std::size_t kMaxDescriptionLength = 2000;

// POST /api/products
std::variant<NewProduct, std::vector<http::FieldError>> read_new_product(
    const boost::json::object& body);

// PATCH /api/products/{sku}
std::variant<ProductChange, std::vector<http::FieldError>> read_product_change(
    const boost::json::object& body);

// GET /api/products?category=&q=&active=true|false|any&low_stock=true&limit=&cursor=
std::variant<ProductQuery, std::vector<http::FieldError>> read_product_query(
    const http::Request& request);

// POST /api/products/{sku}/stock: the signed change of the stock.
std::variant<std::int64_t, std::vector<http::FieldError>> read_stock_delta(
    const boost::json::object& body);

}  // namespace shopd::inventory
