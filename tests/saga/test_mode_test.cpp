// The routes under /api/test/ drive a real shop as a test suite would: over HTTP only, waiting
// on /api/test/idle instead of polling, moving time with /api/test/clock instead of sleeping.

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "support/shop.hpp"
#include "support/webhook_receiver.hpp"

using namespace shopd;
using namespace shopd::testing;
namespace json = boost::json;

namespace {

Config test_mode_config() {
    auto config = shop_config();
    config.server.test_mode = true;
    return config;
}

struct TestModeShop : TestShop {
    explicit TestModeShop(Config config = test_mode_config()) : TestShop(std::move(config)) {}

    HttpResult clock(const json::object& body) { return post("/api/test/clock", body); }
    // Waits through the route, as a suite in another language would.
    void idle() {
        const auto answer = http->get("/api/test/idle?timeout_ms=10000");
        REQUIRE(answer.status == 200);
        REQUIRE(answer.json().at("idle") == true);
    }
    std::vector<json::object> journal(const std::string& query = {}) {
        return items("/api/test/journal" + query);
    }
};

std::vector<std::string> message_types(const std::vector<json::object>& entries) {
    std::vector<std::string> types;
    for (const auto& entry : entries) {
        types.push_back(text(entry.at("type")));
    }
    return types;
}

}  // namespace

TEST_CASE("the test routes answer 404 unless shopd runs in test mode", "[test-mode]") {
    TestShop shop;
    for (const auto* target : {"/api/test/clock", "/api/test/idle", "/api/test/journal"}) {
        CAPTURE(target);
        CHECK(shop.http->get(target).status == 404);
    }
    CHECK(shop.post("/api/test/clock").status == 404);
}

TEST_CASE("the shop clock is read, frozen, advanced and set through /api/test/clock",
          "[test-mode][clock]") {
    TestModeShop shop;
    const auto frozen = shop.clock({{"freeze", true}});
    REQUIRE(frozen.status == 200);
    CHECK(frozen.json().at("frozen") == true);
    const auto start = parse_rfc3339(text(frozen.json().at("now"))).value();
    CHECK(shop.get("/api/test/clock").at("now") == frozen.json().at("now"));

    const auto advanced = shop.clock({{"advance_ms", 90'000}});
    REQUIRE(advanced.status == 200);
    CHECK(parse_rfc3339(text(advanced.json().at("now"))).value() ==
          start + std::chrono::seconds(90));

    const auto set = shop.clock({{"set", "2031-01-02T03:04:05.678Z"}});
    REQUIRE(set.status == 200);
    CHECK(set.json().at("now") == "2031-01-02T03:04:05.678Z");

    SECTION("unfreezing resumes from the frozen instant") {
        const auto resumed = shop.clock({{"freeze", false}});
        REQUIRE(resumed.status == 200);
        CHECK(resumed.json().at("frozen") == false);
        const auto now = parse_rfc3339(text(resumed.json().at("now"))).value();
        CHECK(now >= parse_rfc3339("2031-01-02T03:04:05.678Z").value());
        CHECK(now < parse_rfc3339("2031-01-02T04:04:05.678Z").value());
    }
    SECTION("an empty body is taken as {} and moves nothing") {
        const auto same = shop.post("/api/test/clock");
        REQUIRE(same.status == 200);
        CHECK(same.json().at("now") == "2031-01-02T03:04:05.678Z");
    }
    SECTION("time never goes back, and a wrong body moves nothing") {
        const auto back = shop.clock({{"set", "2030-01-01T00:00:00Z"}});
        CHECK(back.status == 422);
        CHECK(back.body.find("never goes back") != std::string::npos);
        CHECK(shop.clock({{"advance_ms", -1}}).status == 422);
        CHECK(shop.clock({{"set", "yesterday"}}).status == 422);
        CHECK(shop.clock({{"freeze", "yes"}}).status == 422);
        CHECK(shop.clock({{"rewind", true}}).status == 422);
        // The whole body is refused: its good part did not move the clock either.
        CHECK(shop.clock({{"advance_ms", 1000}, {"set", "soon"}}).status == 422);
        CHECK(shop.get("/api/test/clock").at("now") == "2031-01-02T03:04:05.678Z");
    }
}

TEST_CASE("advancing the clock past a step deadline cancels the order at once, no real wait",
          "[test-mode][clock][saga]") {
    TestModeShop shop;
    REQUIRE(shop.clock({{"freeze", true}}).status == 200);
    shop.add_product("MUG", 1250, 5);
    const auto placed =
        shop.post("/api/orders", TestShop::order_body("c-1", {{"MUG", 2}}, "tok_hang"));
    REQUIRE(placed.status == 202);
    const auto id = text(placed.json().at("id"));
    shop.idle();
    CHECK(shop.order(id).at("step") == "paying");

    REQUIRE(shop.clock({{"advance_ms", 4999}}).status == 200);
    shop.idle();
    CHECK(shop.order(id).at("status") == "pending");

    REQUIRE(shop.clock({{"advance_ms", 1}}).status == 200);
    shop.idle();
    const auto order = shop.order(id);
    CHECK(order.at("status") == "cancelled");
    CHECK(order.at("cancel_reason") == "timeout");
    CHECK(shop.product("MUG").at("available") == 5);
}

TEST_CASE("/api/test/idle answers 503 with idle false while a retry waits for the clock",
          "[test-mode][idle]") {
    TestModeShop shop;
    REQUIRE(shop.clock({{"freeze", true}}).status == 200);
    shop.add_product("MUG", 1250, 5);
    // The provider fails tok_error twice; with the clock stopped the retry never comes due.
    REQUIRE(
        shop.post("/api/orders", TestShop::order_body("c-1", {{"MUG", 1}}, "tok_error")).status ==
        202);

    const auto waiting = shop.http->get("/api/test/idle?timeout_ms=50");
    CHECK(waiting.status == 503);
    CHECK(waiting.header("Content-Type") == "application/problem+json");
    CHECK(waiting.json().at("idle") == false);

    // Once the clock runs, the retries come due and the order is confirmed.
    REQUIRE(shop.clock({{"freeze", false}}).status == 200);
    shop.idle();
    CHECK(shop.items("/api/orders?customer_id=c-1").front().at("status") == "confirmed");

    SECTION("a timeout that is not a number of milliseconds is refused") {
        CHECK(shop.http->get("/api/test/idle?timeout_ms=soon").status == 422);
        CHECK(shop.http->get("/api/test/idle?timeout_ms=-5").status == 422);
    }
}

TEST_CASE("the journal lists every message and webhook attempt, filtered and cleared",
          "[test-mode][journal]") {
    WebhookReceiver receiver({503});
    auto config = test_mode_config();
    config.set("notification.webhook_url", receiver.url());
    TestModeShop shop(config);
    REQUIRE(shop.clock({{"freeze", true}}).status == 200);
    shop.add_product("MUG", 1250, 5);
    const auto first = shop.place_order({{"MUG", 1}}, "tok_ok");
    const auto second = shop.place_order({{"MUG", 1}}, "tok_decline");
    shop.idle();

    const auto messages = shop.journal("?kind=message&order_id=" + first);
    const auto types = message_types(messages);
    REQUIRE(!types.empty());
    CHECK(types.front() == "order.placed");
    CHECK(std::find(types.begin(), types.end(), "payment.payment_captured") != types.end());
    for (const auto& entry : messages) {
        CHECK(entry.at("kind") == "message");
        CHECK(
            (text(entry.at("aggregate_id")) == first || text(entry.at("correlation_id")) == first));
    }
    const auto declined = message_types(shop.journal("?kind=message&order_id=" + second));
    CHECK(std::find(declined.begin(), declined.end(), "payment.payment_declined") !=
          declined.end());

    const auto webhooks = shop.journal("?kind=webhook&order_id=" + first);
    REQUIRE(!webhooks.empty());
    CHECK(text(webhooks.front().at("url")) == receiver.url());
    CHECK(webhooks.front().at("status") == 503);
    CHECK(text(webhooks.front().at("body").at("order_id")) == first);
    // The retry waits for the shop clock: idle until it moves.
    CHECK(webhooks.back().at("status") == 503);
    REQUIRE(shop.clock({{"advance_ms", 60'000}}).status == 200);
    shop.idle();
    CHECK(shop.journal("?kind=webhook&order_id=" + first).back().at("status") == 200);

    CHECK(shop.http->get("/api/test/journal?kind=everything").status == 422);
    REQUIRE(shop.http->request("DELETE", "/api/test/journal").status == 204);
    CHECK(shop.journal().empty());
    CHECK(shop.order(first).at("status") == "confirmed");
}

TEST_CASE("a reset empties every module at once, and the shop works on from nothing",
          "[test-mode][reset]") {
    TestModeShop shop;
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 1}}, "tok_ok");
    shop.idle();
    REQUIRE(shop.order(id).at("status") == "confirmed");

    REQUIRE(shop.post("/api/test/reset").status == 204);
    CHECK(shop.items("/api/products").empty());
    CHECK(shop.items("/api/orders").empty());
    CHECK(shop.items("/api/payments").empty());
    CHECK(shop.items("/api/shipments").empty());
    CHECK(shop.items("/api/notifications").empty());
    CHECK(shop.http->get("/api/orders/" + id).status == 404);
    CHECK(shop.journal().empty());

    shop.add_product("MUG", 990, 2);
    const auto again = shop.place_order({{"MUG", 2}}, "tok_ok");
    shop.idle();
    CHECK(shop.order(again).at("status") == "confirmed");
    CHECK(shop.product("MUG").at("available") == 0);
    CHECK(shop.items("/api/orders").size() == 1);
}

TEST_CASE("a snapshot brings back products, orders and a saga waiting on its deadline",
          "[test-mode][snapshot]") {
    TestModeShop shop;
    REQUIRE(shop.clock({{"freeze", true}}).status == 200);
    shop.add_product("MUG", 1250, 5);
    const auto waiting = shop.place_order({{"MUG", 2}}, "tok_hang");
    shop.idle();

    const auto saved = shop.post("/api/test/snapshots", json::object{{"name", "paying"}});
    REQUIRE(saved.status == 201);
    CHECK(saved.json().at("name") == "paying");
    CHECK(saved.json().at("bytes").as_int64() > 0);
    CHECK(shop.post("/api/test/snapshots", json::object{{"name", "paying"}}).status == 409);
    CHECK(shop.post("/api/test/snapshots", json::object{{"name", "no spaces"}}).status == 422);
    CHECK(shop.post("/api/test/snapshots", json::object{}).status == 422);

    const auto later = shop.place_order({{"MUG", 3}}, "tok_ok");
    shop.idle();
    REQUIRE(shop.order(later).at("status") == "confirmed");
    REQUIRE(shop.product("MUG").at("available") == 0);

    REQUIRE(shop.post("/api/test/reset", json::object{{"snapshot", "paying"}}).status == 204);
    CHECK(shop.http->get("/api/orders/" + later).status == 404);
    CHECK(shop.order(waiting).at("status") == "pending");
    CHECK(shop.product("MUG").at("reserved") == 2);
    CHECK(shop.product("MUG").at("available") == 3);

    // The restored saga still runs on its deadline.
    REQUIRE(shop.clock({{"advance_ms", 5000}}).status == 200);
    shop.idle();
    CHECK(shop.order(waiting).at("cancel_reason") == "timeout");
    CHECK(shop.product("MUG").at("available") == 5);

    const auto listed = shop.items("/api/test/snapshots");
    REQUIRE(listed.size() == 1);
    CHECK(listed.front().at("name") == "paying");

    SECTION("an unknown snapshot is 404 and changes nothing") {
        const auto unknown = shop.post("/api/test/reset", json::object{{"snapshot", "nope"}});
        CHECK(unknown.status == 404);
        CHECK(unknown.body.find("nope") != std::string::npos);
        CHECK(shop.post("/api/test/reset", json::object{{"snap", "paying"}}).status == 422);
        CHECK(shop.order(waiting).at("status") == "cancelled");
    }
    SECTION("a deleted snapshot is gone") {
        CHECK(shop.http->request("DELETE", "/api/test/snapshots/paying").status == 204);
        CHECK(shop.http->request("DELETE", "/api/test/snapshots/paying").status == 404);
        CHECK(shop.items("/api/test/snapshots").empty());
        CHECK(shop.post("/api/test/reset", json::object{{"snapshot", "paying"}}).status == 404);
    }
}

TEST_CASE("resets racing sagas under way leak nothing of the old state into the new one",
          "[test-mode][reset][race]") {
    TestModeShop shop;
    std::atomic<bool> stop{false};
    std::atomic<int> placed{0};
    const auto place_orders = [&](const std::string& prefix) {
        HttpClient client(shop.app.port());
        for (int i = 0; !stop; ++i) {
            const auto sku = prefix + std::to_string(i);
            const json::object product{{"sku", sku},         {"name", "Product"},
                                       {"price_cents", 500}, {"currency", "EUR"},
                                       {"stock", 10},        {"weight_grams", 100}};
            if (client.post_json("/api/products", json::serialize(product)).status != 201) {
                continue;
            }
            const auto order = TestShop::order_body("racer", {{sku, 1 + i % 3}},
                                                    i % 4 == 0 ? "tok_decline" : "tok_ok");
            if (client.post_json("/api/orders", json::serialize(order)).status == 202) {
                ++placed;
            }
        }
    };
    std::thread first([&] { place_orders("A-"); });
    std::thread second([&] { place_orders("B-"); });
    for (int reset = 0; reset < 30; ++reset) {
        const int before = placed;
        REQUIRE(eventually([&] { return placed >= before + 2; }));
        REQUIRE(shop.post("/api/test/reset").status == 204);
    }
    stop = true;
    first.join();
    second.join();
    shop.idle();

    // A message of the old state delivered into the new one would find no order, product or
    // payment there and be parked; a lost one would leave its saga pending.
    CHECK(shop.items("/api/admin/dead-letters").empty());
    std::map<std::string, std::int64_t> ordered;  // by SKU, of the confirmed orders
    for (const auto& order : shop.items("/api/orders?limit=200")) {
        CAPTURE(order);
        CHECK((order.at("status") == "confirmed" || order.at("status") == "cancelled"));
        if (order.at("status") == "confirmed") {
            for (const auto& line : order.at("items").as_array()) {
                ordered[text(line.at("sku"))] += line.at("quantity").as_int64();
            }
        }
    }
    for (const auto& product : shop.items("/api/products?limit=200")) {
        CAPTURE(product);
        CHECK(product.at("reserved") == 0);
        CHECK(product.at("available").as_int64() == 10 - ordered[text(product.at("sku"))]);
    }
}
