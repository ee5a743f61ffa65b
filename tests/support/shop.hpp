#pragma once
// The whole shop in-process on an ephemeral port, with scenario helpers that talk HTTP and
// wait for the bus to go idle instead of sleeping.

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>

#include "support/bus_harness.hpp"
#include "support/http_client.hpp"
#include "support/test_app.hpp"

namespace shopd::testing {

// Databases in memory, an ephemeral port, quick retries and deadlines a test can wait out.
inline Config shop_config() {
    auto config = test_config();
    config.delivery.max_attempts = 4;
    config.set("order.step_timeout_ms", "5000");
    config.set("order.deadline_check_interval_ms", "20");
    config.set("inventory.expiry_check_interval_ms", "20");
    config.set("notification.webhook_retry_base_ms", "10");
    return config;
}

struct Line {
    std::string sku;
    int quantity;
};

class TestShop {
  public:
    explicit TestShop(Config config = shop_config())
        : app(std::move(config), builtin_modules(), builtin_openapi()) {
        app.start();
        http.emplace(app.port());
    }

    // Waits until every message the requests so far caused has been handled.
    void settle() { REQUIRE(app.wait_until_idle(std::chrono::seconds(10))); }

    void add_product(const std::string& sku, std::int64_t price_cents, std::int64_t stock,
                     const std::string& currency = "EUR", std::int64_t weight_grams = 250) {
        const boost::json::object body{
            {"sku", sku},           {"name", "Product " + sku}, {"price_cents", price_cents},
            {"currency", currency}, {"stock", stock},           {"weight_grams", weight_grams}};
        REQUIRE(post("/api/products", body).status == 201);
        settle();
    }

    static boost::json::object order_body(const std::string& customer_id,
                                          const std::vector<Line>& lines,
                                          const std::string& payment_token) {
        boost::json::array items;
        for (const auto& line : lines) {
            items.push_back(boost::json::object{{"sku", line.sku}, {"quantity", line.quantity}});
        }
        return {{"customer_id", customer_id},
                {"items", std::move(items)},
                {"shipping_address",
                 {{"name", "Ada Lovelace"},
                  {"line1", "12 St James's Square"},
                  {"city", "London"},
                  {"postal_code", "SW1Y 4JH"},
                  {"country", "GB"}}},
                {"payment_token", payment_token}};
    }

    // Places an order (202 expected) and waits for the saga to settle; returns the order id.
    std::string place_order(const std::vector<Line>& lines, const std::string& payment_token,
                            const std::string& customer_id = "customer-1") {
        const auto placed = post("/api/orders", order_body(customer_id, lines, payment_token));
        REQUIRE(placed.status == 202);
        const auto id = std::string{placed.json().at("id").as_string()};
        settle();
        return id;
    }

    HttpResult post(const std::string& target, const boost::json::value& body) {
        return http->post_json(target, boost::json::serialize(body));
    }
    HttpResult post(const std::string& target) { return http->request("POST", target); }

    boost::json::object get(const std::string& target) {
        const auto result = http->get(target);
        REQUIRE(result.status == 200);
        return result.json().as_object();
    }
    boost::json::object order(const std::string& id) { return get("/api/orders/" + id); }
    boost::json::object product(const std::string& sku) { return get("/api/products/" + sku); }
    // The items of one page of a list, e.g. "/api/payments?order_id=X".
    std::vector<boost::json::object> items(const std::string& target) {
        const auto list = get(target);
        std::vector<boost::json::object> found;
        for (const auto& item : list.at("items").as_array()) {
            found.push_back(item.as_object());
        }
        return found;
    }
    // The one record of `collection` (payments, shipments) for the order.
    boost::json::object only_of(const std::string& collection, const std::string& order_id) {
        auto found = items("/api/" + collection + "?order_id=" + order_id);
        REQUIRE(found.size() == 1);
        return found.front();
    }

    App app;
    std::optional<HttpClient> http;
};

inline std::string text(const boost::json::value& value) {
    return std::string{value.as_string()};
}

// The kinds of the notifications the order caused, sorted.
inline std::vector<std::string> notification_kinds(TestShop& shop, const std::string& order_id) {
    std::vector<std::string> kinds;
    for (const auto& item : shop.items("/api/notifications?order_id=" + order_id)) {
        kinds.push_back(text(item.at("kind")));
    }
    std::sort(kinds.begin(), kinds.end());
    return kinds;
}

}  // namespace shopd::testing
