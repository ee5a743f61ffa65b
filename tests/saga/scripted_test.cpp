// The simulated provider's scripted tokens and the carrier driven by the clock, each through
// the whole saga.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>

#include "support/shop.hpp"
#include "support/temporary_directory.hpp"

using namespace shopd;
using namespace shopd::testing;

TEST_CASE("tok_decline_<reason> declines with that reason, an unknown one as invalid_token",
          "[saga][payment-scripts]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 50);
    const std::pair<const char*, const char*> cases[] = {
        {"tok_decline_card_declined", "card_declined"},
        {"tok_decline_insufficient_funds", "insufficient_funds"},
        {"tok_decline_expired_card", "expired_card"},
        {"tok_decline_fraud_suspected", "fraud_suspected"},
        {"tok_decline_stolen_moon", "invalid_token"}};
    for (const auto& [token, reason] : cases) {
        CAPTURE(token);
        const auto id = shop.place_order({{"MUG", 1}}, token);
        CHECK(shop.order(id).at("cancel_reason") == "payment_declined");
        CHECK(shop.only_of("payments", id).at("decline_reason") == reason);
    }
    CHECK(shop.product("MUG").at("available") == 50);
}

TEST_CASE("tok_fail_<n> fails n times and then captures; past the delivery attempts it is parked",
          "[saga][payment-scripts]") {
    auto config = shop_config();                    // four delivery attempts
    config.set("order.step_timeout_ms", "600000");  // the parked order waits, not cancelled
    TestShop shop(config);
    shop.add_product("MUG", 1250, 5);
    const auto recovers = shop.place_order({{"MUG", 1}}, "tok_fail_3");
    CHECK(shop.order(recovers).at("status") == "confirmed");
    CHECK(shop.only_of("payments", recovers).at("status") == "captured");

    const auto parked = shop.place_order({{"MUG", 1}}, "tok_fail_4");
    CHECK(shop.order(parked).at("status") == "pending");
    const auto letters = shop.items("/api/admin/dead-letters");
    REQUIRE(letters.size() == 1);
    CHECK(letters.front().at("type") == "payment.capture_payment");
    CHECK(shop.items("/api/payments?order_id=" + parked).empty());
}

TEST_CASE("tok_delay_<ms> captures that long later on the shop clock", "[saga][payment-scripts]") {
    TestShop shop;  // steps time out after 5 s
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 1}}, "tok_delay_3000");
    CHECK(shop.order(id).at("step") == "paying");
    CHECK(shop.only_of("payments", id).at("status") == "pending");

    shop.app.clock().advance(std::chrono::milliseconds(2999));
    shop.settle();
    CHECK(shop.order(id).at("status") == "pending");
    shop.app.clock().advance(std::chrono::milliseconds(1));
    shop.settle();
    CHECK(shop.order(id).at("status") == "confirmed");
    CHECK(shop.only_of("payments", id).at("status") == "captured");
}

TEST_CASE("a delayed capture that comes after the order timed out is refunded at once",
          "[saga][payment-scripts]") {
    TestShop shop;
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 2}}, "tok_delay_8000");

    shop.app.clock().advance(std::chrono::milliseconds(5000));
    shop.settle();
    CHECK(shop.order(id).at("cancel_reason") == "timeout");
    CHECK(shop.only_of("payments", id).at("status") == "voided");

    shop.app.clock().advance(std::chrono::milliseconds(3000));
    shop.settle();
    const auto payment = shop.only_of("payments", id);
    CHECK(payment.at("status") == "refunded");
    CHECK(payment.at("refund_reason") == "captured after the order was given up");
    CHECK(shop.order(id).at("status") == "cancelled");
    CHECK(notification_kinds(shop, id) == std::vector<std::string>{"cancelled", "refunded"});
    CHECK(shop.product("MUG").at("available") == 5);
}

TEST_CASE("with tok_refund_fail a cancelled order keeps its money taken, marked refund_failed",
          "[saga][payment-scripts]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 2}}, "tok_refund_fail");
    REQUIRE(shop.order(id).at("status") == "confirmed");

    REQUIRE(shop.post("/api/orders/" + id + "/cancel").status == 202);
    shop.settle();
    // The cancel goes through: stock back, shipment cancelled. The refund did not: no refunded
    // notification, and the payment says so for an operator to settle.
    const auto order = shop.order(id);
    CHECK(order.at("status") == "cancelled");
    CHECK(order.at("cancel_reason") == "customer_cancelled");
    const auto payment = shop.only_of("payments", id);
    CHECK(payment.at("status") == "refund_failed");
    CHECK(payment.at("refund_reason") == "customer_cancelled");
    CHECK(shop.only_of("shipments", id).at("status") == "cancelled");
    CHECK(shop.product("MUG").at("available") == 5);
    CHECK(notification_kinds(shop, id) == std::vector<std::string>{"cancelled", "confirmed"});
}

TEST_CASE("with auto_dispatch_ms and auto_deliver_ms the clock ships and delivers the order",
          "[saga][carrier-scripts]") {
    auto config = shop_config();
    config.set("shipping.auto_dispatch_ms", "60000");
    config.set("shipping.auto_deliver_ms", "120000");
    TestShop shop(config);
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 1}}, "tok_ok");
    REQUIRE(shop.order(id).at("status") == "confirmed");

    shop.app.clock().advance(std::chrono::milliseconds(59'999));
    shop.settle();
    CHECK(shop.only_of("shipments", id).at("status") == "created");
    shop.app.clock().advance(std::chrono::milliseconds(1));
    shop.settle();
    CHECK(shop.only_of("shipments", id).at("status") == "dispatched");
    CHECK(shop.order(id).at("status") == "shipped");

    shop.app.clock().advance(std::chrono::milliseconds(120'000));
    shop.settle();
    CHECK(shop.only_of("shipments", id).at("status") == "delivered");
    CHECK(shop.order(id).at("status") == "delivered");
}

TEST_CASE("without auto_dispatch_ms the clock moves no shipment", "[saga][carrier-scripts]") {
    TestShop shop;
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 1}}, "tok_ok");
    shop.app.clock().advance(std::chrono::hours(24 * 30));
    shop.settle();
    CHECK(shop.only_of("shipments", id).at("status") == "created");
    CHECK(shop.order(id).at("status") == "confirmed");
}

TEST_CASE(
    "a payment token travels in the capture command alone, every view shows it "
    "redacted, and the outbox forgets it once the capture is answered",
    "[saga][payment-scripts][privacy]") {
    TemporaryDirectory data;
    auto config = shop_config();
    config.storage.memory = false;
    config.storage.data_dir = data.path.string();
    config.server.test_mode = true;
    config.set("order.step_timeout_ms", "600000");  // the parked order waits, not cancelled
    TestShop shop(config);
    shop.add_product("MUG", 1250, 5);
    const auto answered = shop.place_order({{"MUG", 1}}, "tok_ok");
    const auto parked = shop.place_order({{"MUG", 1}}, "tok_fail_9");

    SQLite::Database orders((data.path / "order.db").string(), SQLite::OPEN_READONLY);
    const auto capture_payload = [&](const std::string& order_id) {
        SQLite::Statement query(orders,
                                "SELECT payload FROM outbox WHERE type = "
                                "'payment.capture_payment' AND aggregateid = ?");
        query.bind(1, order_id);
        REQUIRE(query.executeStep());
        return query.getColumn(0).getString();
    };
    CHECK(orders.execAndGet("SELECT count(*) FROM customer_order WHERE payment_token != ''")
              .getInt() == 0);
    CHECK_THAT(capture_payload(answered), Catch::Contains(R"("payment_token":"[redacted]")"));
    // Not answered yet: a replay still needs the token.
    CHECK_THAT(capture_payload(parked), Catch::Contains("tok_fail_9"));

    const auto letters = shop.http->get("/api/admin/dead-letters");
    CHECK_THAT(letters.body, Catch::Contains(R"("payment_token":"[redacted]")"));
    const auto journal = shop.http->get("/api/test/journal?kind=message");
    CHECK_THAT(journal.body, Catch::Contains("payment.capture_payment"));
    for (const auto* view : {&letters, &journal}) {
        CHECK_THAT(view->body, !Catch::Contains("tok_ok") && !Catch::Contains("tok_fail"));
    }
}
