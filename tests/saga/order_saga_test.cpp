// The order saga end to end over HTTP, with every module in one App.
#include <catch2/catch.hpp>
#include <set>

#include <shopd/digest.hpp>

#include "support/shop.hpp"
#include "support/webhook_receiver.hpp"

namespace shopd::testing {
namespace json = boost::json;

namespace {

std::vector<std::string> timeline_events(const json::object& order) {
    std::vector<std::string> events;
    for (const auto& entry : order.at("timeline").as_array()) {
        events.push_back(text(entry.at("event")));
    }
    return events;
}

bool contains(const std::vector<std::string>& events, const std::string& event) {
    return std::find(events.begin(), events.end(), event) != events.end();
}

}  // namespace

TEST_CASE("an order goes from pending to delivered, priced by the server", "[saga]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 10);
    shop.add_product("TEA", 499, 10, "EUR", 100);

    const auto placed = shop.post(
        "/api/orders", TestShop::order_body("customer-1", {{"MUG", 2}, {"TEA", 3}}, "tok_ok"));
    REQUIRE(placed.status == 202);
    CHECK(placed.json().at("status") == "pending");
    const auto id = text(placed.json().at("id"));
    CHECK(placed.header("Location") == "/api/orders/" + id);
    shop.settle();

    auto order = shop.order(id);
    CHECK(order.at("status") == "confirmed");
    CHECK(order.at("step") == "settled");
    CHECK(order.at("step_deadline").is_null());
    CHECK(order.at("total_cents") == 2 * 1250 + 3 * 499);
    CHECK(order.at("currency") == "EUR");
    CHECK(order.at("cancel_reason").is_null());
    CHECK(order.at("items").as_array().at(0).at("unit_price_cents") == 1250);
    CHECK(order.at("items").as_array().at(1).at("unit_price_cents") == 499);

    const auto payment = shop.only_of("payments", id);
    CHECK(payment.at("status") == "captured");
    CHECK(payment.at("amount_cents") == 2 * 1250 + 3 * 499);

    const auto shipment = shop.only_of("shipments", id);
    CHECK(shipment.at("status") == "created");
    CHECK(shipment.at("weight_grams") == 2 * 250 + 3 * 100);
    CHECK(shipment.at("cost_cents") == 499);
    CHECK(shipment.at("tracking_number") == order.at("tracking_number"));

    CHECK(shop.product("MUG").at("sold") == 2);
    CHECK(shop.product("MUG").at("available") == 8);
    CHECK(shop.product("MUG").at("reserved") == 0);

    const auto shipment_id = text(shipment.at("id"));
    REQUIRE(shop.post("/api/shipments/" + shipment_id + "/dispatch").status == 200);
    shop.settle();
    CHECK(shop.order(id).at("status") == "shipped");
    REQUIRE(shop.post("/api/shipments/" + shipment_id + "/deliver").status == 200);
    shop.settle();
    order = shop.order(id);
    CHECK(order.at("status") == "delivered");

    const auto events = timeline_events(order);
    for (const auto* expected :
         {"status: pending", "inventory.stock_reserved", "payment.payment_captured",
          "shipping.shipment_created", "status: confirmed", "inventory.stock_committed",
          "shipping.shipment_dispatched", "status: shipped", "shipping.shipment_delivered",
          "status: delivered"}) {
        CHECK(contains(events, expected));
    }
    CHECK(notification_kinds(shop, id) ==
          std::vector<std::string>{"confirmed", "delivered", "shipped"});
}

TEST_CASE("an order for more than is in stock is cancelled as out_of_stock", "[saga]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 1);
    const auto id = shop.place_order({{"MUG", 2}}, "tok_ok");
    const auto order = shop.order(id);
    CHECK(order.at("status") == "cancelled");
    CHECK(order.at("cancel_reason") == "out_of_stock");
    CHECK(shop.product("MUG").at("available") == 1);
    CHECK(shop.get("/api/payments?order_id=" + id).at("items").as_array().empty());
    CHECK(notification_kinds(shop, id) == std::vector<std::string>{"cancelled"});
}

TEST_CASE("a declined payment cancels the order and releases its stock", "[saga]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 5);
    for (const auto* token : {"tok_decline", "tok_insufficient_funds"}) {
        const auto id = shop.place_order({{"MUG", 3}}, token);
        const auto order = shop.order(id);
        CHECK(order.at("status") == "cancelled");
        CHECK(order.at("cancel_reason") == "payment_declined");
        const auto payment = shop.only_of("payments", id);
        CHECK(payment.at("status") == "declined");
        CHECK(payment.at("decline_reason") ==
              (std::string{token} == "tok_decline" ? "card_declined" : "insufficient_funds"));
        CHECK(shop.get("/api/shipments?order_id=" + id).at("items").as_array().empty());
    }
    const auto product = shop.product("MUG");
    CHECK(product.at("available") == 5);
    CHECK(product.at("reserved") == 0);
    CHECK(product.at("sold") == 0);
}

TEST_CASE("a transient payment failure is retried until the payment is captured", "[saga]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 1}}, "tok_error");
    CHECK(shop.order(id).at("status") == "confirmed");
    CHECK(shop.only_of("payments", id).at("status") == "captured");
    const auto metrics = shop.http->get("/metrics").body;
    CHECK(metrics.find("shopd_messages_retried_total{type=\"payment.capture_payment\","
                       "subscriber=\"payment\"} 2") != std::string::npos);
}

TEST_CASE("a payment that never answers times the order out and compensates", "[saga]") {
    TestShop shop;
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 2}}, "tok_hang");
    CHECK(shop.order(id).at("status") == "pending");
    CHECK(shop.product("MUG").at("reserved") == 2);

    const auto waiting = shop.order(id);
    CHECK(waiting.at("step") == "paying");
    const auto deadline_ms = unix_millis(shop.app.clock().now()) + 5000;
    CHECK(text(waiting.at("step_deadline")) ==
          rfc3339(ShopClock::time_point{std::chrono::milliseconds(deadline_ms)}));
    shop.app.clock().advance(std::chrono::milliseconds(4999));
    shop.settle();
    CHECK(shop.order(id).at("status") == "pending");
    shop.app.clock().advance(std::chrono::milliseconds(1));
    REQUIRE(eventually([&] { return shop.order(id).at("status") == "cancelled"; }));
    shop.settle();
    const auto order = shop.order(id);
    CHECK(order.at("cancel_reason") == "timeout");
    CHECK(contains(timeline_events(order), "deadline"));
    CHECK(shop.only_of("payments", id).at("status") == "voided");
    const auto product = shop.product("MUG");
    CHECK(product.at("available") == 5);
    CHECK(product.at("reserved") == 0);
}

TEST_CASE("a customer cancel after confirmation refunds, restocks and cancels the shipment",
          "[saga]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 2}}, "tok_ok", "customer-7");
    REQUIRE(shop.order(id).at("status") == "confirmed");
    REQUIRE(shop.product("MUG").at("sold") == 2);

    const auto cancelled = shop.post("/api/orders/" + id + "/cancel");
    CHECK(cancelled.status == 202);
    shop.settle();

    const auto order = shop.order(id);
    CHECK(order.at("status") == "cancelled");
    CHECK(order.at("cancel_reason") == "customer_cancelled");
    CHECK(shop.only_of("payments", id).at("status") == "refunded");
    CHECK(shop.only_of("shipments", id).at("status") == "cancelled");
    const auto product = shop.product("MUG");
    CHECK(product.at("available") == 5);
    CHECK(product.at("sold") == 0);
    CHECK(product.at("reserved") == 0);
    CHECK(notification_kinds(shop, id) ==
          std::vector<std::string>{"cancelled", "confirmed", "refunded"});

    CHECK(shop.post("/api/orders/" + id + "/cancel").status == 409);
}

TEST_CASE("an order cannot be cancelled once shipped", "[saga]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 1}}, "tok_ok");
    const auto shipment_id = text(shop.only_of("shipments", id).at("id"));
    REQUIRE(shop.post("/api/shipments/" + shipment_id + "/dispatch").status == 200);
    shop.settle();

    const auto refused = shop.post("/api/orders/" + id + "/cancel");
    CHECK(refused.status == 409);
    CHECK(refused.header("Content-Type") == "application/problem+json");
    CHECK(shop.order(id).at("status") == "shipped");
    CHECK(shop.only_of("payments", id).at("status") == "captured");
    CHECK(shop.post("/api/shipments/" + shipment_id + "/dispatch").status == 409);
}

TEST_CASE("a reservation nobody settles expires and frees its stock", "[saga]") {
    auto config = shop_config();
    config.set("inventory.reservation_ttl_ms", "1000");
    config.set("order.step_timeout_ms", "60000");
    TestShop shop(config);
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 5);
    const auto id = shop.place_order({{"MUG", 4}}, "tok_hang");
    REQUIRE(shop.product("MUG").at("reserved") == 4);

    shop.app.clock().advance(std::chrono::milliseconds(1000));
    REQUIRE(eventually([&] { return shop.product("MUG").at("reserved") == 0; }));
    shop.settle();
    CHECK(shop.product("MUG").at("available") == 5);
    const auto order = shop.order(id);
    CHECK(order.at("status") == "cancelled");
    CHECK(order.at("cancel_reason") == "timeout");
    CHECK(contains(timeline_events(order), "inventory.stock_released"));
}

TEST_CASE("an invalid order is refused with 422 naming each field", "[saga][validation]") {
    auto config = shop_config();
    config.set("order.max_lines", "3");
    TestShop shop(config);
    shop.add_product("MUG", 1250, 5, "EUR");
    shop.add_product("HAT", 999, 5, "USD");

    const auto field_errors = [&](const json::object& body) {
        const auto result = shop.post("/api/orders", body);
        REQUIRE(result.status == 422);
        CHECK(result.header("Content-Type") == "application/problem+json");
        std::set<std::string> fields;
        const auto problem = result.json();
        for (const auto& error : problem.at("errors").as_array()) {
            fields.insert(text(error.at("field")));
        }
        return fields;
    };
    using Fields = std::set<std::string>;
    CHECK(field_errors(TestShop::order_body("c", {{"MUG", 0}}, "tok_ok")) ==
          Fields{"items[0].quantity"});
    CHECK(field_errors(TestShop::order_body("c", {{"MUG", 1001}}, "tok_ok")) ==
          Fields{"items[0].quantity"});
    CHECK(field_errors(TestShop::order_body("c", {{"MUG", 1}, {"HAT", 1}}, "tok_ok")) ==
          Fields{"items"});
    CHECK(field_errors(TestShop::order_body("c", {{"NOPE", 1}}, "tok_ok")) ==
          Fields{"items[0].sku"});
    CHECK(field_errors(TestShop::order_body("c", {}, "tok_ok")) == Fields{"items"});
    CHECK(field_errors(
              TestShop::order_body("c", {{"MUG", 1}, {"MUG", 1}, {"MUG", 1}, {"MUG", 1}}, "tok_ok"))
              .contains("items"));

    auto body = TestShop::order_body("c", {{"MUG", 1}}, "tok_ok");
    body["items"].as_array()[0].as_object()["unit_price_cents"] = 1;
    body.erase("payment_token");
    CHECK(field_errors(body) == Fields{"items[0].unit_price_cents", "payment_token"});

    CHECK(shop.get("/api/orders").at("items").as_array().empty());
}

TEST_CASE("stock cannot be adjusted below what is reserved", "[saga][inventory]") {
    auto config = shop_config();
    config.set("order.step_timeout_ms", "60000");
    TestShop shop(config);
    shop.add_product("MUG", 1250, 5);
    shop.place_order({{"MUG", 3}}, "tok_hang");
    CHECK(shop.post("/api/products/MUG/stock", json::object{{"delta", -3}}).status == 409);
    const auto adjusted = shop.post("/api/products/MUG/stock", json::object{{"delta", -2}});
    REQUIRE(adjusted.status == 200);
    CHECK(adjusted.json().at("available") == 0);
    CHECK(adjusted.json().at("stock") == 3);
    CHECK(shop.post("/api/products/NOPE/stock", json::object{{"delta", 1}}).status == 404);
    CHECK(shop.post("/api/products", json::object{{"sku", "MUG"},
                                                  {"name", "Again"},
                                                  {"price_cents", 1},
                                                  {"currency", "EUR"},
                                                  {"stock", 1}})
              .status == 409);
}

TEST_CASE(
    "a webhook receives each notification with its id, its time and body signed under "
    "every secret, after retries",
    "[saga][notification]") {
    WebhookReceiver receiver({500, 503});
    auto config = shop_config();
    config.set("notification.webhook_url", receiver.url());
    config.set("notification.webhook_secrets", "s3cret,n3xt");
    TestShop shop(config);
    shop.add_product("MUG", 1250, 5);
    const auto shop_seconds = [&] {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   shop.app.clock().now().time_since_epoch())
            .count();
    };
    const auto placed_at = shop_seconds();
    const auto id = shop.place_order({{"MUG", 1}}, "tok_ok", "customer-9");

    REQUIRE(eventually([&] { return receiver.received().size() == 3; }));
    for (const auto& request : receiver.received()) {
        CHECK(request.target == "/hooks/shopd");
        CHECK(request.header("Content-Type") == "application/json");
        const auto signature = request.header("X-Shopd-Signature");
        const auto sent = signature.substr(2, signature.find(',') - 2);
        CHECK(signature == "t=" + sent +
                               ",v1=" + hmac_sha256_hex("s3cret", sent + "." + request.body) +
                               ",v1=" + hmac_sha256_hex("n3xt", sent + "." + request.body));
        CHECK(std::stoll(sent) >= placed_at);
        CHECK(std::stoll(sent) <= shop_seconds());
        CHECK(request.header("Webhook-Id") == request.header("X-Shopd-Notification"));
        CHECK_FALSE(request.header("Webhook-Id").empty());
        const auto notification = json::parse(request.body).as_object();
        CHECK(text(notification.at("order_id")) == id);
        CHECK(notification.at("customer_id") == "customer-9");
        CHECK(notification.at("kind") == "confirmed");
    }
    REQUIRE(eventually([&] {
        return shop.http->get("/metrics")
                   .body.find("shopd_messages_published_total{type=\"notification.sent\"} 1") !=
               std::string::npos;
    }));
    const auto listed = shop.get("/api/notifications?order_id=" + id);
    const auto& webhook = listed.at("items").as_array().at(0).at("webhook");
    CHECK(webhook.at("status") == "delivered");
    CHECK(webhook.at("attempts") == 3);
    CHECK(webhook.at("last_status") == 200);
}

TEST_CASE("the live stream delivers a customer's notifications in order", "[saga][notification]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 5);
    IdleConnection stream(shop.app.port());
    stream.send("GET /api/notifications/stream?customer_id=customer-3 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string received = stream.read_some(std::chrono::milliseconds(200));
    REQUIRE(received.starts_with("HTTP/1.1 200"));
    CHECK(received.find("text/event-stream") != std::string::npos);

    shop.place_order({{"MUG", 1}}, "tok_ok", "someone-else");
    const auto id = shop.place_order({{"MUG", 1}}, "tok_ok", "customer-3");
    const auto shipment_id = text(shop.only_of("shipments", id).at("id"));
    REQUIRE(shop.post("/api/shipments/" + shipment_id + "/dispatch").status == 200);
    shop.settle();
    REQUIRE(shop.post("/api/shipments/" + shipment_id + "/deliver").status == 200);
    shop.settle();

    REQUIRE(eventually([&] {
        received += stream.read_some(std::chrono::milliseconds(20));
        return received.find("event: delivered") != std::string::npos;
    }));
    const auto confirmed = received.find("event: confirmed");
    const auto shipped = received.find("event: shipped");
    const auto delivered = received.find("event: delivered");
    CHECK(confirmed < shipped);
    CHECK(shipped < delivered);
    CHECK(received.find("someone-else") == std::string::npos);
    CHECK(received.find("\"order_id\":\"" + id + "\"") != std::string::npos);
}

TEST_CASE("the module graph lists every module's publications and subscriptions", "[saga]") {
    TestShop shop;
    const auto graph = shop.get("/api/admin/modules");
    std::map<std::string, std::set<std::string>> subscribes;
    std::map<std::string, std::set<std::string>> publishes;
    for (const auto& module : graph.at("modules").as_array()) {
        const auto name = text(module.at("name"));
        for (const auto& entry : module.at("subscribes").as_array()) {
            subscribes[name].insert(text(entry.at("type")));
        }
        for (const auto& entry : module.at("publishes").as_array()) {
            publishes[name].insert(text(entry.at("type")));
        }
    }
    using Types = std::set<std::string>;
    CHECK(subscribes["inventory"] ==
          Types{"inventory.reserve_stock", "inventory.release_stock", "inventory.commit_stock"});
    CHECK(subscribes["payment"] == Types{"payment.capture_payment", "payment.refund_payment"});
    CHECK(subscribes["shipping"] == Types{"shipping.create_shipment", "shipping.cancel_shipment"});
    CHECK(subscribes["notification"] == Types{"order.confirmed", "order.cancelled", "order.shipped",
                                              "order.delivered", "payment.payment_refunded"});
    CHECK(subscribes["order"] ==
          Types{"inventory.product_priced", "inventory.stock_reserved", "inventory.stock_rejected",
                "inventory.stock_released", "inventory.stock_committed", "payment.payment_captured",
                "payment.payment_declined", "payment.payment_refunded", "shipping.shipment_created",
                "shipping.shipment_dispatched", "shipping.shipment_delivered",
                "shipping.shipment_cancelled", "shipping.shipment_cancel_refused"});
    // Every subscription is answered by a publication of some module.
    std::set<std::string> published;
    for (const auto& [module, types] : publishes) {
        published.insert(types.begin(), types.end());
    }
    for (const auto& [module, types] : subscribes) {
        for (const auto& type : types) {
            CHECK(published.contains(type));
        }
    }
}

}  // namespace shopd::testing

namespace shopd::testing {

TEST_CASE("every documented route answers, and lists page with a cursor", "[saga][openapi]") {
    auto config = shop_config();
    TestShop shop(config);
    for (const auto* sku : {"A-1", "B-2", "C-3"}) {
        shop.add_product(sku, 100, 10);
    }
    CHECK(shop.get("/healthz").at("status") == "ok");
    CHECK(shop.get("/readyz").at("status") == "ready");
    CHECK(shop.get("/openapi.json").at("openapi") == "3.1.0");
    const auto docs = shop.http->get("/docs");
    REQUIRE(docs.status == 200);
    CHECK(docs.body.find("/docs/viewer.js") != std::string::npos);
    CHECK(shop.http->get("/docs/viewer.js").body.find("/openapi.json") != std::string::npos);
    CHECK(shop.http->get("/docs/swagger-ui-bundle.js").status == 200);
    CHECK(shop.http->get("/docs/package.json").status == 404);
    CHECK(shop.get("/openapi.json").at("servers").at(0).at("url") == "/");

    std::vector<std::string> skus;
    std::string target = "/api/products?limit=2";
    for (int page = 0; page < 3; ++page) {
        const auto listed = shop.get(target);
        for (const auto& item : listed.at("items").as_array()) {
            skus.push_back(text(item.at("sku")));
        }
        if (listed.at("next_cursor").is_null()) {
            break;
        }
        target = "/api/products?limit=2&cursor=" + text(listed.at("next_cursor"));
    }
    CHECK(skus == std::vector<std::string>{"A-1", "B-2", "C-3"});
    CHECK(shop.http->get("/api/products?limit=0").status == 422);
    CHECK(shop.http->get("/api/orders?status=lost").status == 422);

    const auto id = shop.place_order({{"A-1", 1}}, "tok_ok");
    const auto payment_id = text(shop.only_of("payments", id).at("id"));
    CHECK(text(shop.get("/api/payments/" + payment_id).at("order_id")) == id);
    const auto shipment_id = text(shop.only_of("shipments", id).at("id"));
    CHECK(text(shop.get("/api/shipments/" + shipment_id).at("order_id")) == id);
    CHECK(shop.get("/api/orders?customer_id=customer-1&status=confirmed")
              .at("items")
              .as_array()
              .size() == 1);
    CHECK(shop.get("/api/notifications?customer_id=customer-1").at("items").as_array().size() == 1);

    for (const auto* missing :
         {"/api/orders/nope", "/api/products/nope", "/api/payments/nope", "/api/shipments/nope"}) {
        CHECK(shop.http->get(missing).status == 404);
    }
    CHECK(shop.post("/api/orders/nope/cancel").status == 404);
    CHECK(shop.post("/api/shipments/nope/dispatch").status == 404);
    CHECK(shop.post("/api/admin/dead-letters/order.1.payment/replay").status == 404);
    CHECK(shop.get("/api/admin/dead-letters").at("items").as_array().empty());
    CHECK(shop.get("/api/admin/outbox").at("items").as_array().size() == builtin_modules().size());
    CHECK(shop.http->request("DELETE", "/api/orders").status == 405);
}

TEST_CASE("the saga's steps are served in the order they are taken, with their undo and deadline",
          "[saga][openapi]") {
    TestShop shop;
    const auto steps = shop.get("/api/admin/saga").at("steps").as_array();
    REQUIRE(steps.size() == 3);
    std::vector<std::string> names;
    for (const auto& step : steps) {
        names.push_back(text(step.at("step")));
        CHECK(step.at("deadline_ms") == 5000);  // as shop_config() sets it
    }
    CHECK(names == std::vector<std::string>{"reserving", "paying", "shipping"});
    CHECK(steps.at(0).at("asks") == "inventory.reserve_stock");
    CHECK(steps.at(1).at("undone_by") == "payment.refund_payment");
    CHECK(steps.at(2).at("fails_on").is_null());
    CHECK(steps.at(2).at("undo_awaits_answer") == true);
}

}  // namespace shopd::testing
