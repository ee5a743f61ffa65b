// Idempotency-Key on the mutating routes: a repeat is answered from the first answer.
#include <catch2/catch.hpp>
#include <thread>

#include "support/shop.hpp"

namespace shopd::testing {
namespace json = boost::json;

namespace {

HttpResult post_with_key(HttpClient& client, const std::string& target, const json::value& body,
                         const std::string& key) {
    return client.request("POST", target, json::serialize(body),
                          {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
}

std::size_t order_count(TestShop& shop) {
    return shop.get("/api/orders").at("items").as_array().size();
}

}  // namespace

TEST_CASE(
    "a repeated order with the same Idempotency-Key gets the first answer and no second order",
    "[idempotency]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 10);
    const auto body = TestShop::order_body("c", {{"MUG", 1}}, "tok_ok");
    const auto first = post_with_key(*shop.http, "/api/orders", body, "order-key-1");
    REQUIRE(first.status == 202);
    shop.settle();
    const auto again = post_with_key(*shop.http, "/api/orders", body, "order-key-1");
    CHECK(again.status == 202);
    CHECK(again.body == first.body);
    CHECK(again.header("Location") == first.header("Location"));
    CHECK(again.header("Idempotent-Replayed") == "true");
    shop.settle();
    CHECK(order_count(shop) == 1);
    CHECK(shop.product("MUG").at("sold") == 1);
}

TEST_CASE("twenty simultaneous requests with one Idempotency-Key place one order",
          "[idempotency]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 100);
    const auto body = TestShop::order_body("c", {{"MUG", 1}}, "tok_ok");
    std::vector<HttpResult> answers(20);
    std::vector<std::thread> clients;
    for (auto& answer : answers) {
        clients.emplace_back([&shop, &body, &answer] {
            HttpClient client(shop.app.port());
            answer = post_with_key(client, "/api/orders", body, "burst");
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    shop.settle();
    for (const auto& answer : answers) {
        CHECK(answer.status == 202);
        CHECK(answer.body == answers.front().body);
    }
    CHECK(order_count(shop) == 1);
    CHECK(shop.product("MUG").at("sold") == 1);
}

TEST_CASE("an Idempotency-Key reused for another request is refused with 409", "[idempotency]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 10);
    const auto first = post_with_key(*shop.http, "/api/orders",
                                     TestShop::order_body("c", {{"MUG", 1}}, "tok_ok"), "shared");
    REQUIRE(first.status == 202);
    const auto other = post_with_key(*shop.http, "/api/orders",
                                     TestShop::order_body("c", {{"MUG", 2}}, "tok_ok"), "shared");
    CHECK(other.status == 409);
    CHECK(other.json().at("type") == "urn:shopd:problem:idempotency-key-reused");
    // Another route of the same module: keys are kept by the module that serves the route.
    shop.settle();
    const auto cancel = shop.http->request("POST", first.header("Location") + "/cancel", {},
                                           {{"Idempotency-Key", "shared"}});
    CHECK(cancel.status == 409);
    shop.settle();
    CHECK(order_count(shop) == 1);
    CHECK(shop.order(text(first.json().at("id"))).at("status") == "confirmed");
}

TEST_CASE("a repeated stock adjustment is applied once", "[idempotency]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 10);
    for (int i = 0; i < 3; ++i) {
        const auto answer = post_with_key(*shop.http, "/api/products/MUG/stock",
                                          json::object{{"delta", 5}}, "restock-1");
        CHECK(answer.status == 200);
        CHECK(answer.json().at("stock") == 15);
    }
    CHECK(shop.product("MUG").at("stock") == 15);
    CHECK(post_with_key(*shop.http, "/api/products/MUG/stock", json::object{{"delta", 5}},
                        std::string(256, 'k'))
              .status == 400);
}

TEST_CASE("an Idempotency-Key is forgotten after its time", "[idempotency]") {
    auto config = shop_config();
    config.server.idempotency_ttl = std::chrono::milliseconds(100);
    TestShop shop(config);
    shop.add_product("MUG", 1250, 10);
    const auto body = json::object{{"delta", 1}};
    REQUIRE(post_with_key(*shop.http, "/api/products/MUG/stock", body, "k").status == 200);
    REQUIRE(eventually([&] {
        return post_with_key(*shop.http, "/api/products/MUG/stock", body, "k")
            .header("Idempotent-Replayed")
            .empty();
    }));
    CHECK(shop.product("MUG").at("stock") == 12);
}

}  // namespace shopd::testing
