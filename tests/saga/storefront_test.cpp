// What the kiosk and the console build on, over real HTTP: the catalog's filters and changes,
// products' pictures, an order's event stream and its resumption, and the pages built into the
// binary.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "support/shop.hpp"

namespace shopd::testing {
namespace json = boost::json;

namespace {

const std::string kPng = std::string{"\x89PNG\r\n\x1a\n", 8} + "not really pixels";

std::vector<std::string> skus_of(TestShop& shop, const std::string& target) {
    std::vector<std::string> skus;
    for (const auto& item : shop.items(target)) {
        skus.push_back(text(item.at("sku")));
    }
    return skus;
}

void add_product(TestShop& shop, const std::string& sku, const std::string& category,
                 std::int64_t stock) {
    const json::object body{{"sku", sku},
                            {"name", "The " + sku},
                            {"price_cents", 500},
                            {"currency", "EUR"},
                            {"stock", stock},
                            {"category", category},
                            {"description", "Good " + category}};
    REQUIRE(shop.post("/api/products", body).status == 201);
}

HttpResult patch(TestShop& shop, const std::string& target, const json::object& body) {
    return shop.http->request("PATCH", target, json::serialize(body),
                              {{"Content-Type", "application/json"}});
}

// The ids of the `event:` kind given, in the order they came.
std::vector<std::string> event_ids(const std::string& stream, const std::string& kind) {
    std::vector<std::string> ids;
    for (auto at = stream.find("id: "); at != std::string::npos; at = stream.find("id: ", at + 1)) {
        const auto end = stream.find('\n', at);
        if (stream.compare(end + 1, 7 + kind.size(), "event: " + kind) == 0) {
            ids.push_back(stream.substr(at + 4, end - at - 4));
        }
    }
    return ids;
}

}  // namespace

TEST_CASE("the catalog lists by category, search, activity and low stock", "[storefront]") {
    TestShop shop;
    add_product(shop, "TEA-1", "Tea", 50);
    add_product(shop, "TEA-2", "Tea", 2);
    add_product(shop, "MUG-1", "Kitchen", 1);
    shop.settle();

    CHECK(skus_of(shop, "/api/products?category=Tea") ==
          std::vector<std::string>{"TEA-1", "TEA-2"});
    CHECK(skus_of(shop, "/api/products?q=kitchen") == std::vector<std::string>{"MUG-1"});
    CHECK(skus_of(shop, "/api/products?q=the%20tea-2") == std::vector<std::string>{"TEA-2"});
    CHECK(skus_of(shop, "/api/products?low_stock=true") ==
          std::vector<std::string>{"MUG-1", "TEA-2"});
    CHECK(skus_of(shop, "/api/products?category=Tea&low_stock=true") ==
          std::vector<std::string>{"TEA-2"});

    const auto withdrawn = patch(shop, "/api/products/TEA-2", {{"active", false}});
    REQUIRE(withdrawn.status == 200);
    CHECK(withdrawn.json().at("active") == false);
    CHECK(skus_of(shop, "/api/products?category=Tea") == std::vector<std::string>{"TEA-1"});
    CHECK(skus_of(shop, "/api/products?active=false") == std::vector<std::string>{"TEA-2"});
    CHECK(skus_of(shop, "/api/products?active=any").size() == 3);
    CHECK(shop.http->get("/api/products?active=maybe").status == 422);
    CHECK(shop.http->get("/api/products?low_stock=yes").status == 422);
}

TEST_CASE("a price change is learnt by the order module and prices the next order",
          "[storefront]") {
    TestShop shop;
    shop.add_product("BEANS", 890, 20);
    const auto changed = patch(shop, "/api/products/BEANS",
                               {{"price_cents", 1090},
                                {"name", "Beans, roasted today"},
                                {"category", "Coffee"},
                                {"description", "Dark"}});
    REQUIRE(changed.status == 200);
    CHECK(changed.json().at("price_cents") == 1090);
    CHECK(changed.json().at("category") == "Coffee");
    shop.settle();
    const auto id = shop.place_order({{"BEANS", 2}}, "tok_ok");
    CHECK(shop.order(id).at("total_cents") == 2180);

    const auto refused = patch(shop, "/api/products/BEANS",
                               {{"price_cents", -1}, {"currency", "euro"}, {"colour", "red"}});
    REQUIRE(refused.status == 422);
    CHECK(refused.json().at("errors").as_array().size() == 3);
    CHECK(patch(shop, "/api/products/NOPE", {{"active", true}}).status == 404);
    CHECK(shop.product("BEANS").at("price_cents") == 1090);
}

TEST_CASE("a product's picture is known by its bytes and served with its version", "[storefront]") {
    auto config = shop_config();
    // Above the picture's own limit, which the route then checks itself after the whole body.
    config.server.body_limit_bytes = 2 * 1024 * 1024;
    TestShop shop(config);
    shop.add_product("MUG", 1200, 5);
    CHECK(shop.product("MUG").at("image").is_null());

    // Called text by the uploader, a PNG by its bytes.
    const auto stored = shop.http->request("PUT", "/api/products/MUG/image", kPng,
                                           {{"Content-Type", "text/plain"}});
    REQUIRE(stored.status == 200);
    const auto url = text(stored.json().at("image"));
    CHECK(url.starts_with("/api/products/MUG/image?v="));

    const auto served = shop.http->get(url);
    REQUIRE(served.status == 200);
    CHECK(served.header("Content-Type") == "image/png");
    CHECK(served.body == kPng);
    CHECK(served.header("Cache-Control").find("immutable") != std::string::npos);
    const auto etag = served.header("ETag");
    REQUIRE(!etag.empty());
    CHECK(shop.http->request("GET", "/api/products/MUG/image", {}, {{"If-None-Match", etag}})
              .status == 304);
    CHECK(shop.http->get("/api/products/MUG/image").header("Cache-Control") == "no-cache");

    const std::string svg =
        R"svg(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"><rect width="4" height="3"/></svg>)svg";
    const auto replaced = shop.http->request("PUT", "/api/products/MUG/image", svg,
                                             {{"Content-Type", "image/svg+xml"}});
    REQUIRE(replaced.status == 200);
    CHECK(text(replaced.json().at("image")) != url);
    CHECK(shop.http->get("/api/products/MUG/image").header("Content-Type") == "image/svg+xml");

    for (
        const auto* refused :
        {"GIF89a....", R"svg(<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>)svg",
         R"svg(<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>)svg",
         R"svg(<svg xmlns="http://www.w3.org/2000/svg"><image href="https://elsewhere/x.png"/></svg>)svg"}) {
        INFO(refused);
        CHECK(shop.http
                  ->request("PUT", "/api/products/MUG/image", refused,
                            {{"Content-Type", "image/svg+xml"}})
                  .status == 415);
    }
    CHECK(shop.http
              ->request("PUT", "/api/products/MUG/image", std::string(1024 * 1024 + 1, 'x'),
                        {{"Content-Type", "image/png"}})
              .status == 413);
    CHECK(
        shop.http->request("PUT", "/api/products/NOPE/image", kPng, {{"Content-Type", "image/png"}})
            .status == 404);
    CHECK(shop.http->get("/api/products/MUG/image").header("Content-Type") == "image/svg+xml");
}

TEST_CASE(
    "an order's stream sends its timeline, then each change, and resumes after "
    "Last-Event-ID",
    "[storefront]") {
    TestShop shop;
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1200, 5);
    // The payment hangs: the order waits at paying until the clock passes the step's deadline.
    const auto id = shop.place_order({{"MUG", 1}}, "tok_hang");
    REQUIRE(text(shop.order(id).at("status")) == "pending");

    IdleConnection stream(shop.app.port());
    stream.send("GET /api/orders/" + id + "/stream HTTP/1.1\r\nHost: x\r\n\r\n");
    auto received = stream.read_until("event: order", std::chrono::seconds(10));
    REQUIRE(received.starts_with("HTTP/1.1 200"));
    CHECK(received.find("text/event-stream") != std::string::npos);
    const auto before = event_ids(received, "timeline");
    CHECK(before == std::vector<std::string>{"1", "2"});
    CHECK(received.find("\"event\":\"inventory.stock_reserved\"") != std::string::npos);

    shop.app.clock().advance(std::chrono::minutes(10));
    shop.settle();
    received += stream.read_until("\"status\":\"cancelled\"", std::chrono::seconds(10));
    CHECK(received.find("\"cancel_reason\":\"timeout\"") != std::string::npos);
    const auto all = event_ids(received, "timeline");
    REQUIRE(all.size() > before.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        CHECK(all[i] == std::to_string(i + 1));
    }

    IdleConnection resumed(shop.app.port());
    resumed.send("GET /api/orders/" + id +
                 "/stream HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 2\r\n\r\n");
    const auto again = resumed.read_until("event: order", std::chrono::seconds(10));
    const auto after = event_ids(again, "timeline");
    REQUIRE(!after.empty());
    CHECK(after.front() == "3");
    // The order has settled: the resumed stream sends every entry after the second.
    CHECK(after.size() == shop.order(id).at("timeline").as_array().size() - 2);
    CHECK(again.find("\"status\":\"cancelled\"") != std::string::npos);

    CHECK(shop.http->get("/api/orders/nope/stream").status == 404);
}

TEST_CASE(
    "an operator finds stuck and cancelled orders, sees a parked delivery's attempts and "
    "error, lists every order's parked deliveries, and replays every dead letter of a type",
    "[storefront]") {
    auto config = shop_config();  // four delivery attempts
    config.set("order.step_timeout_ms", "600000");
    TestShop shop(config);
    shop.add_product("MUG", 1250, 10);
    const auto declined = shop.place_order({{"MUG", 1}}, "tok_decline");
    const auto first = shop.place_order({{"MUG", 1}}, "tok_fail_4");
    const auto second = shop.place_order({{"MUG", 1}}, "tok_fail_4");

    const auto ids_of = [&](const std::string& target) {
        std::vector<std::string> ids;
        for (const auto& order : shop.items(target)) {
            ids.push_back(text(order.at("id")));
        }
        return ids;
    };
    CHECK(ids_of("/api/orders?reason=payment_declined") == std::vector<std::string>{declined});
    CHECK(ids_of("/api/orders?stuck=true").empty());
    shop.app.clock().advance(std::chrono::minutes(6));  // past half the step's ten minutes
    CHECK(ids_of("/api/orders?stuck=true") == std::vector<std::string>{second, first});
    CHECK(shop.http->get("/api/orders?reason=lost").status == 422);
    CHECK(shop.http->get("/api/orders?stuck=maybe").status == 422);

    const auto deliveries = shop.items("/api/admin/deliveries?correlation_id=" + first);
    REQUIRE(deliveries.size() == 1);
    CHECK(deliveries.front().at("type") == "payment.capture_payment");
    CHECK(deliveries.front().at("state") == "parked");
    CHECK(deliveries.front().at("attempts") == 4);
    CHECK(text(deliveries.front().at("last_error")).find("simulated") != std::string::npos);
    CHECK(deliveries.front().at("next_attempt_at").is_null());
    CHECK(shop.items("/api/admin/deliveries?correlation_id=" + declined).empty());
    std::set<std::string> parked_orders;
    for (const auto& delivery : shop.items("/api/admin/deliveries?state=parked")) {
        parked_orders.insert(text(delivery.at("correlation_id")));
    }
    CHECK(parked_orders == std::set<std::string>{first, second});
    CHECK(shop.items("/api/admin/deliveries?state=retrying").empty());
    CHECK(shop.items("/api/admin/deliveries?limit=1").size() == 1);
    CHECK(shop.http->get("/api/admin/deliveries?state=lost").status == 422);
    CHECK(shop.http->get("/api/admin/deliveries?limit=0").status == 422);

    // tok_fail_4 fails four times: the replay's attempt captures.
    const auto replaying =
        shop.post("/api/admin/dead-letters/replay",
                  json::object{{"type", "payment.capture_payment"}, {"max_per_second", 1000}});
    REQUIRE(replaying.status == 202);
    CHECK(replaying.json().at("replaying") == 2);
    REQUIRE(eventually([&] {
        return text(shop.order(first).at("status")) == "confirmed" &&
               text(shop.order(second).at("status")) == "confirmed";
    }));
    CHECK(shop.items("/api/admin/dead-letters").empty());
    CHECK(shop.post("/api/admin/dead-letters/replay", json::object{{"max_per_second", 0}}).status ==
          422);
}

TEST_CASE("the notification stream and the bus's stream resume after Last-Event-ID",
          "[storefront]") {
    TestShop shop;
    shop.add_product("MUG", 1200, 5);
    IdleConnection bus_stream(shop.app.port());
    bus_stream.send("GET /api/admin/stream HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(
        bus_stream.read_until(": connected", std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
    const auto first = shop.place_order({{"MUG", 1}}, "tok_ok", "customer-9");
    const auto second = shop.place_order({{"MUG", 1}}, "tok_decline", "customer-9");

    // Every message of both orders, numbered from 1 on.
    // The declined order's cancellation comes after most of both orders' messages.
    const auto seen =
        bus_stream.read_until("\"type\":\"order.cancelled\"", std::chrono::seconds(10));
    const auto ids = event_ids(seen, "message");
    REQUIRE(ids.size() >= 10);
    CHECK(ids.front() == "1");
    CHECK(seen.find("\"type\":\"order.placed\"") != std::string::npos);
    CHECK(seen.find("tok_ok") == std::string::npos);  // the payment token is never shown
    IdleConnection bus_again(shop.app.port());
    bus_again.send("GET /api/admin/stream HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + ids[4] +
                   "\r\n\r\n");
    const auto resumed = bus_again.read_until("id: " + ids.back() + "\n", std::chrono::seconds(10));
    CHECK(event_ids(resumed, "message").front() == std::to_string(std::stoi(ids[4]) + 1));

    const auto notifications = shop.items("/api/notifications?customer_id=customer-9");
    REQUIRE(notifications.size() == 2);
    const auto confirmation = std::find_if(
        notifications.begin(), notifications.end(),
        [](const json::object& notification) { return notification.at("kind") == "confirmed"; });
    REQUIRE(confirmation != notifications.end());
    IdleConnection notified(shop.app.port());
    notified.send(
        "GET /api/notifications/stream?customer_id=customer-9 HTTP/1.1\r\nHost: "
        "x\r\nLast-Event-ID: " +
        text(notifications.back().at("id")) + "\r\n\r\n");
    const auto missed = notified.read_until("event: cancelled", std::chrono::seconds(10));
    CHECK(missed.find("event: cancelled") != std::string::npos);
    CHECK(missed.find("event: confirmed") == std::string::npos);
    CHECK(missed.find(second) != std::string::npos);
    CHECK(missed.find(first) == std::string::npos);
}

TEST_CASE("the pages are served from the binary with their ETag and a strict policy",
          "[storefront]") {
    TestShop shop;
    const auto kiosk = shop.http->get("/kiosk");
    REQUIRE(kiosk.status == 200);
    CHECK(kiosk.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(kiosk.body.find("data-testid=\"attract\"") != std::string::npos);
    const auto policy = kiosk.header("Content-Security-Policy");
    CHECK(policy.find("default-src 'none'") != std::string::npos);
    CHECK(policy.find("script-src 'self'") != std::string::npos);
    CHECK(policy.find("unsafe-inline") == std::string::npos);
    CHECK(kiosk.header("Cache-Control") == "no-cache");
    const auto etag = kiosk.header("ETag");
    REQUIRE(!etag.empty());
    const auto again = shop.http->request("GET", "/kiosk", {}, {{"If-None-Match", etag}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(shop.http->get("/").body == kiosk.body);

    CHECK(shop.http->get("/kiosk/kiosk.js").header("Content-Type") ==
          "text/javascript; charset=utf-8");
    CHECK(shop.http->get("/lib/shop.js").status == 200);
    CHECK(shop.http->get("/docs").body.find("/docs/viewer.js") != std::string::npos);
    CHECK(shop.http->get("/demo/catalog.json").status == 200);
    CHECK(shop.http->get("/kiosk/missing.js").status == 404);
    CHECK(shop.http->get("/favicon.svg").header("Content-Type") == "image/svg+xml");
    CHECK(shop.get("/api/admin/sagas/definition") == shop.get("/api/admin/saga"));
    CHECK(shop.http->get("/console").body.find("data-testid=\"module-graph\"") !=
          std::string::npos);
    CHECK(shop.get("/api/kiosk/settings").at("idle_timeout_ms") == 90'000);
}

}  // namespace shopd::testing
