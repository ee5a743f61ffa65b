#pragma once
// The body of POST /api/orders read into a PlaceOrder, or every field that is wrong with it.
// Kept apart from the route so the fuzzer reaches exactly what the route runs.

#include <boost/json/object.hpp>
#include <variant>
#include <vector>

#include <shopd/http.hpp>

#include "order_settings.hpp"
#include "saga.hpp"

namespace shopd::order {

std::variant<PlaceOrder, std::vector<http::FieldError>> read_place_order(
    const boost::json::object& body, const OrderSettings& config);

}  // namespace shopd::order
