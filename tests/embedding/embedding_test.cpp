// An embedding program's own module beside the built-in ones, through the public API only.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>

#include "loyalty_module.hpp"
#include "support/http_client.hpp"

namespace {

namespace json = boost::json;
using shopd::testing::HttpClient;

shopd::Config embedded_config() {
    shopd::Config config;
    config.server.listen = "127.0.0.1:0";
    config.storage.memory = true;
    config.log.level = "warn";
    config.set("loyalty.points_per_euro", "3");
    return config;
}

std::vector<shopd::ModuleDefinition> with_loyalty(std::shared_ptr<std::atomic<bool>> paused) {
    auto modules = shopd::builtin_modules();
    modules.push_back(loyalty::module(std::move(paused)));
    return modules;
}

std::int64_t points_of(HttpClient& client, const std::string& customer) {
    const auto answer = client.get("/api/loyalty/" + customer);
    REQUIRE(answer.status == 200);
    return answer.json().at("points").as_int64();
}

}  // namespace

TEST_CASE(
    "a module of the embedding program hosts beside the built-in ones with its settings, "
    "metrics, spans and readiness",
    "[embedding]") {
    auto paused = std::make_shared<std::atomic<bool>>(false);
    shopd::App app(embedded_config(), with_loyalty(paused));
    app.start();
    HttpClient client(app.port());
    REQUIRE(client
                .post_json("/api/products", R"({"sku":"MUG","name":"Mug","price_cents":1250,)"
                                            R"("currency":"EUR","stock":10})")
                .status == 201);
    REQUIRE(app.wait_until_idle(std::chrono::seconds(10)));
    const auto order = json::serialize(
        json::object{{"customer_id", "c-1"},
                     {"items", json::array{json::object{{"sku", "MUG"}, {"quantity", 4}}}},
                     {"shipping_address", json::object{{"name", "A"},
                                                       {"line1", "S 1"},
                                                       {"city", "C"},
                                                       {"postal_code", "1"},
                                                       {"country", "DE"}}},
                     {"payment_token", "tok_ok"}});
    REQUIRE(client.post_json("/api/orders", order).status == 202);
    REQUIRE(app.wait_until_idle(std::chrono::seconds(10)));

    CHECK(points_of(client, "c-1") == 50 * 3);
    CHECK(points_of(client, "c-2") == 0);
    const auto metrics = client.get("/metrics").body;
    CHECK_THAT(metrics, Catch::Contains("shopd_loyalty_points_total 150"));
    CHECK_THAT(metrics,
               Catch::Contains("shopd_span_seconds_count{module=\"loyalty\",span=\"award\"} 1"));
    CHECK(client.get("/readyz").json().at("status") == "ready");

    *paused = true;
    const auto readiness = client.get("/readyz").json();
    CHECK(readiness.at("status") == "degraded");
    CHECK_THAT(std::string{readiness.at("detail").as_string()},
               Catch::Contains("loyalty: awarding points is paused"));
    app.stop();
}

TEST_CASE("a bad value for the embedding program's module setting is refused naming it",
          "[embedding]") {
    auto config = embedded_config();
    config.set("loyalty.points_per_euro", "-1");
    CHECK_THROWS_WITH(shopd::App(config, with_loyalty(std::make_shared<std::atomic<bool>>())),
                      Catch::Contains("loyalty.points_per_euro (set in code): must be at least 0"));
    config.set("loyalty.points_per_eur", "1");
    CHECK_THROWS_WITH(shopd::App(config, with_loyalty(std::make_shared<std::atomic<bool>>())),
                      Catch::Contains("loyalty.points_per_eur") &&
                          Catch::Contains("did you mean loyalty.points_per_euro?"));
}
