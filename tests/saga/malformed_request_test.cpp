// Hostile and careless request bodies, each answered with the right 4xx, the shop healthy after.
#include <catch2/catch.hpp>

#include "support/shop.hpp"

namespace shopd::testing {
namespace json = boost::json;

namespace {

struct Case {
    const char* name;
    std::string body;
    unsigned status;
    const char* field;  // named in `errors`, or empty
};

std::string order_with(const std::string& items, const std::string& extra = {}) {
    return R"({"customer_id":"c","items":)" + items +
           R"(,"shipping_address":{"name":"A","line1":"B","city":"C","postal_code":"1",)"
           R"("country":"DE"},"payment_token":"tok_ok")" +
           extra + "}";
}

std::string nested(int depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_CASE("malformed order requests get the right 4xx and change nothing", "[validation]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 10);
    std::string many_lines = "[";
    for (int i = 0; i < 101; ++i) {
        many_lines += (i ? "," : "") + std::string{R"({"sku":"MUG","quantity":1})"};
    }
    many_lines += "]";

    const std::vector<Case> cases{
        {"invalid UTF-8", order_with(R"([{"sku":"MUG","quantity":1}])", ",\"x\":\"\xff\xfe\""), 400,
         ""},
        {"truncated JSON", R"({"customer_id":"c","items":[)", 400, ""},
        {"not an object", R"([1,2,3])", 400, ""},
        {"nesting over the limit",
         order_with(R"([{"sku":"MUG","quantity":1}])", ",\"deep\":" + nested(40)), 400, ""},
        {"a number too large for any type", order_with(R"([{"sku":"MUG","quantity":1e999}])"), 422,
         "items[0].quantity"},
        {"a huge whole number", order_with(R"([{"sku":"MUG","quantity":99999999999999999999}])"),
         422, "items[0].quantity"},
        {"a fractional quantity", order_with(R"([{"sku":"MUG","quantity":1.5}])"), 422,
         "items[0].quantity"},
        {"a negative quantity", order_with(R"([{"sku":"MUG","quantity":-1}])"), 422,
         "items[0].quantity"},
        {"a zero quantity", order_with(R"([{"sku":"MUG","quantity":0}])"), 422,
         "items[0].quantity"},
        {"too many lines", order_with(many_lines), 422, "items"},
        {"no lines", order_with("[]"), 422, "items"},
        {"a string for a number", order_with(R"([{"sku":"MUG","quantity":"1"}])"), 422,
         "items[0].quantity"},
        {"an object for the lines", order_with(R"({"sku":"MUG"})"), 422, "items"},
        {"a line that is not an object", order_with(R"([42])"), 422, "items[0]"},
        {"a missing field", R"({"customer_id":"c","items":[{"sku":"MUG","quantity":1}]})", 422,
         "shipping_address"},
        {"an unknown field", order_with(R"([{"sku":"MUG","quantity":1}])", R"(,"coupon":"FREE")"),
         422, "coupon"},
        {"a field with an empty name",
         order_with(R"([{"sku":"MUG","quantity":1}])", R"(,"":"FREE")"), 422, "\"\""},
        {"a null field", order_with(R"([{"sku":null,"quantity":1}])"), 422, "items[0].sku"},
        {"an over-long customer id",
         R"({"customer_id":")" + std::string(300, 'c') + R"(","items":[]})", 422, "customer_id"},
        {"a quantity given twice, the last one small",
         order_with(R"([{"sku":"MUG","quantity":5000,"quantity":1}])"), 400, "items[0].quantity"},
        {"a field given twice at the top",
         order_with(R"([{"sku":"MUG","quantity":1}])", R"(,"payment_token":"tok_decline")"), 400,
         "payment_token"},
        {"a key given twice through an escape",
         order_with(R"([{"sku":"MUG","quantity":1,"\u0071uantity":1}])"), 400, "items[0].quantity"},
        {"a NUL in the address",
         R"({"customer_id":"c","items":[{"sku":"MUG","quantity":1}],"shipping_address":)"
         R"({"name":"A\u0000B","line1":"B","city":"C","postal_code":"1","country":"DE"},)"
         R"("payment_token":"tok_ok"})",
         422, "shipping_address.name"},
        {"a control character in the token",
         R"({"customer_id":"c","items":[{"sku":"MUG","quantity":1}],"shipping_address":)"
         R"({"name":"A","line1":"B","city":"C","postal_code":"1","country":"DE"},)"
         R"("payment_token":"tok_ok\u001b"})",
         422, "payment_token"},
    };
    for (const auto& test : cases) {
        INFO(test.name);
        const auto result = shop.http->post_json("/api/orders", test.body);
        CHECK(result.status == test.status);
        CHECK(result.header("Content-Type") == "application/problem+json");
        if (*test.field != '\0') {
            const auto problem = result.json();
            bool named = false;
            for (const auto& error : problem.at("errors").as_array()) {
                named = named || error.at("field") == test.field;
            }
            CHECK(named);
        }
    }
    CHECK(shop.get("/api/orders").at("items").as_array().empty());
    CHECK(shop.get("/healthz").at("status") == "ok");
    CHECK(shop.place_order({{"MUG", 1}}, "tok_ok").size() == 36);
}

TEST_CASE("a product with a key given twice or a control character in its name is refused",
          "[validation]") {
    TestShop shop;
    const auto twice = shop.http->post_json(
        "/api/products",
        R"({"sku":"MUG","name":"Mug","price_cents":-5,"price_cents":5,"currency":"EUR","stock":1})");
    CHECK(twice.status == 400);
    CHECK(twice.json().at("type") == "urn:shopd:problem:duplicate-key");
    CHECK(twice.json().at("errors").at(0).at("field") == "price_cents");
    const auto nul = shop.http->post_json(
        "/api/products",
        R"({"sku":"MUG","name":"Mug\u0000","price_cents":5,"currency":"EUR","stock":1})");
    CHECK(nul.status == 422);
    CHECK(nul.json().at("errors").at(0).at("field") == "name");
    CHECK(shop.http->get("/api/products/MUG").status == 404);
}

}  // namespace shopd::testing
