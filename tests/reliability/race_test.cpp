// Races inside the saga: a cancel or a deadline meeting an answer, a message about nothing.
#include <barrier>
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include <shopd/contracts/payment.hpp>
#include <shopd/module.hpp>

#include "support/shop.hpp"

namespace shopd::testing {
namespace json = boost::json;

namespace {

// Publishes whatever payment event it is told to, as a misbehaving peer would.
ModuleDefinition stray_payments_module() {
    return {"stray", [](ModuleBuilder& builder) {
                builder.publishes<contracts::payment::PaymentCaptured>();
                auto& work = builder.work();
                builder.route(
                    {http::Method::post,
                     "/api/stray/{order}",
                     http::Body::none,
                     {Role::anyone},
                     [&work](const http::Request& request, http::Reply reply) {
                         work.answer(
                             request, reply, {},
                             [order = request.param("order")](UnitOfWork& unit_of_work) {
                                 unit_of_work.publish(
                                     contracts::payment::PaymentCaptured{order, "p", 100, "EUR"},
                                     {"order", order});
                                 return http::json_response(202, json::object{});
                             });
                     }});
            }};
}

}  // namespace

TEST_CASE("a cancel racing the saga at any step ends cancelled with everything given back",
          "[reliability]") {
    TestShop shop;
    shop.add_product("MUG", 1000, 100);
    std::mt19937 random(7);
    std::vector<std::string> ids;
    for (int i = 0; i < 60; ++i) {
        const auto placed =
            shop.post("/api/orders", TestShop::order_body("c", {{"MUG", 1}}, "tok_ok"));
        REQUIRE(placed.status == 202);
        ids.push_back(text(placed.json().at("id")));
        std::this_thread::sleep_for(std::chrono::microseconds(random() % 3000));
        CHECK(shop.post("/api/orders/" + ids.back() + "/cancel").status == 202);
    }
    shop.settle();
    for (const auto& id : ids) {
        const auto order = shop.order(id);
        CHECK(order.at("status") == "cancelled");
        CHECK(order.at("cancel_reason") == "customer_cancelled");
    }
    for (const auto& payment : shop.items("/api/payments?limit=200")) {
        CHECK(payment.at("status") == "refunded");
    }
    for (const auto& shipment : shop.items("/api/shipments?limit=200")) {
        CHECK(shipment.at("status") == "cancelled");
    }
    const auto product = shop.product("MUG");
    CHECK(product.at("available") == 100);
    CHECK(product.at("reserved") == 0);
    CHECK(product.at("sold") == 0);
}

TEST_CASE("deadlines firing as steps complete leave every order consistent", "[reliability]") {
    auto config = shop_config();
    config.set("order.step_timeout_ms", "2");
    config.set("order.deadline_check_interval_ms", "1");
    TestShop shop(config);
    shop.add_product("MUG", 1000, 100);
    for (int i = 0; i < 50; ++i) {
        REQUIRE(
            shop.post("/api/orders", TestShop::order_body("c", {{"MUG", 1}}, "tok_ok")).status ==
            202);
    }
    shop.settle();
    // Deadlines may still fire for orders whose last answer just arrived; wait for them.
    REQUIRE(eventually([&] {
        for (const auto& order : shop.items("/api/orders?limit=200")) {
            if (order.at("status") == "pending") {
                return false;
            }
        }
        return true;
    }));
    shop.settle();

    std::map<std::string, std::string> payment_of;
    for (const auto& payment : shop.items("/api/payments?limit=200")) {
        payment_of[text(payment.at("order_id"))] = text(payment.at("status"));
    }
    std::map<std::string, std::string> shipment_of;
    for (const auto& shipment : shop.items("/api/shipments?limit=200")) {
        shipment_of[text(shipment.at("order_id"))] = text(shipment.at("status"));
    }
    int confirmed = 0;
    for (const auto& order : shop.items("/api/orders?limit=200")) {
        const auto id = text(order.at("id"));
        if (order.at("status") == "confirmed") {
            ++confirmed;
            CHECK(payment_of[id] == "captured");
            CHECK(shipment_of[id] == "created");
        } else {
            REQUIRE(order.at("status") == "cancelled");
            CHECK(order.at("cancel_reason") == "timeout");
            CHECK(payment_of[id] != "captured");
            CHECK((shipment_of[id].empty() || shipment_of[id] == "cancelled"));
        }
    }
    const auto product = shop.product("MUG");
    CHECK(product.at("reserved") == 0);
    CHECK(product.at("sold") == confirmed);
    CHECK(product.at("available") == 100 - confirmed);
}

TEST_CASE("a dispatch and a cancel at the same moment never refund an order whose parcel left",
          "[reliability]") {
    constexpr int kPairs = 200;
    TestShop shop;
    shop.add_product("MUG", 1000, kPairs);
    std::vector<std::string> orders;
    for (int i = 0; i < kPairs; ++i) {
        const auto placed =
            shop.post("/api/orders", TestShop::order_body("c", {{"MUG", 1}}, "tok_ok"));
        REQUIRE(placed.status == 202);
        orders.push_back(text(placed.json().at("id")));
    }
    shop.settle();
    std::vector<std::string> shipments;
    for (const auto& id : orders) {
        shipments.push_back(text(shop.only_of("shipments", id).at("id")));
    }

    // Each pair starts together: one client dispatches the parcel while the other cancels.
    std::barrier together(2);
    std::vector<unsigned> dispatched(kPairs);
    std::vector<unsigned> cancelled(kPairs);
    std::thread carrier([&] {
        HttpClient client(shop.app.port());
        for (int i = 0; i < kPairs; ++i) {
            together.arrive_and_wait();
            dispatched[i] =
                client.request("POST", "/api/shipments/" + shipments[i] + "/dispatch").status;
        }
    });
    {
        HttpClient client(shop.app.port());
        for (int i = 0; i < kPairs; ++i) {
            together.arrive_and_wait();
            cancelled[i] = client.request("POST", "/api/orders/" + orders[i] + "/cancel").status;
        }
    }
    carrier.join();
    shop.settle();

    int shipped = 0;
    int refused = 0;
    for (int i = 0; i < kPairs; ++i) {
        INFO("order " << orders[i] << ": dispatch " << dispatched[i] << ", cancel "
                      << cancelled[i]);
        const auto order = shop.order(orders[i]);
        const auto shipment = text(shop.only_of("shipments", orders[i]).at("status"));
        const auto payment = text(shop.only_of("payments", orders[i]).at("status"));
        CHECK((cancelled[i] == 202 || cancelled[i] == 409));
        if (shipment == "dispatched") {
            ++shipped;
            CHECK(dispatched[i] == 200);
            CHECK(order.at("status") == "shipped");
            CHECK(payment == "captured");
            bool cancel_refused = false;
            for (const auto& entry : order.at("timeline").as_array()) {
                cancel_refused = cancel_refused || entry.at("event") == "cancel refused";
            }
            CHECK(cancel_refused == (cancelled[i] == 202));
            refused += cancel_refused ? 1 : 0;
        } else {
            CHECK(shipment == "cancelled");
            CHECK(dispatched[i] == 409);
            CHECK(cancelled[i] == 202);
            CHECK(order.at("status") == "cancelled");
            CHECK(payment == "refunded");
        }
    }
    INFO(shipped << " dispatched first (" << refused << " of them with the cancel refused), "
                 << kPairs - shipped << " cancelled first");
    const auto product = shop.product("MUG");
    CHECK(product.at("sold") == shipped);
    CHECK(product.at("available") == kPairs - shipped);
    CHECK(product.at("reserved") == 0);
}

TEST_CASE("a message about an order that does not exist is parked at once while other orders flow",
          "[reliability]") {
    auto config = shop_config();
    auto modules = builtin_modules();
    modules.push_back(stray_payments_module());
    App app(config, std::move(modules));
    app.start();
    HttpClient http(app.port());
    REQUIRE(http.request("POST", "/api/stray/no-such-order").status == 202);
    REQUIRE(http.post_json("/api/products", R"({"sku":"MUG","name":"Mug","price_cents":100,)"
                                            R"("currency":"EUR","stock":5})")
                .status == 201);
    REQUIRE(app.wait_until_idle(std::chrono::seconds(10)));
    const auto placed = http.post_json(
        "/api/orders", json::serialize(TestShop::order_body("c", {{"MUG", 1}}, "tok_ok")));
    REQUIRE(placed.status == 202);
    REQUIRE(app.wait_until_idle(std::chrono::seconds(10)));

    const auto order = http.get("/api/orders/" + text(placed.json().at("id"))).json();
    CHECK(order.at("status") == "confirmed");
    const auto letters = http.get("/api/admin/dead-letters").json();
    REQUIRE(letters.at("items").as_array().size() == 1);
    const auto& letter = letters.at("items").as_array().at(0);
    CHECK(letter.at("subscriber") == "order");
    CHECK(letter.at("type") == "payment.payment_captured");
    CHECK(letter.at("attempts") == 1);  // no retry can make the order appear
    CHECK(text(letter.at("error")).find("no order 'no-such-order'") != std::string::npos);
}

}  // namespace shopd::testing
