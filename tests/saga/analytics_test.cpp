// The analytics module's figures against the orders a test places: confirmed, delivered and
// cancelled for every reason, in two currencies, with a period that splits them.
#include <catch2/catch.hpp>
#include <map>

#include "support/shop.hpp"

namespace shopd::testing {
namespace json = boost::json;

namespace {

struct Money {
    std::int64_t captured = 0;
    std::int64_t refunded = 0;
};

// What the payments of `orders` add up to by currency, as the payment module tells it.
std::map<std::string, Money> money_of(TestShop& shop, const std::vector<std::string>& orders) {
    std::map<std::string, Money> money;
    for (const auto& id : orders) {
        for (const auto& payment : shop.items("/api/payments?order_id=" + id)) {
            const auto status = text(payment.at("status"));
            auto& in_currency = money[text(payment.at("currency"))];
            const auto amount = payment.at("amount_cents").as_int64();
            if (status == "captured" || status == "refunded") {
                in_currency.captured += amount;
            }
            if (status == "refunded") {
                in_currency.refunded += amount;
            }
        }
    }
    return money;
}

std::string summary_target(const std::string& query = {}) {
    return "/api/analytics/summary" + (query.empty() ? "" : "?" + query);
}

}  // namespace

TEST_CASE(
    "the analytics summary counts each order in every state it reached, with revenue, "
    "best sellers and saga time",
    "[analytics]") {
    TestShop shop;
    shop.add_product("MUG", 1250, 20);
    shop.add_product("HAT", 999, 1);
    shop.add_product("CAP", 700, 5, "USD");

    const auto delivered = shop.place_order({{"MUG", 2}}, "tok_ok");
    const auto shipment = text(shop.only_of("shipments", delivered).at("id"));
    REQUIRE(shop.post("/api/shipments/" + shipment + "/dispatch").status == 200);
    REQUIRE(shop.post("/api/shipments/" + shipment + "/deliver").status == 200);
    const auto confirmed = shop.place_order({{"MUG", 1}, {"HAT", 1}}, "tok_ok");
    const auto cancelled_by_customer = shop.place_order({{"MUG", 3}}, "tok_ok");
    REQUIRE(shop.post("/api/orders/" + cancelled_by_customer + "/cancel").status == 202);
    const auto out_of_stock = shop.place_order({{"HAT", 2}}, "tok_ok");
    const auto declined = shop.place_order({{"MUG", 1}}, "tok_decline");
    const auto timed_out = shop.place_order({{"MUG", 1}}, "tok_hang");
    shop.settle();

    // From here on: the timeout's cancellation and one order in dollars.
    // A millisecond on first: stored times have milliseconds, and `later` must follow them all.
    shop.app.clock().advance(std::chrono::milliseconds(1));
    const auto later = shop.app.clock().now();
    shop.app.clock().advance(std::chrono::milliseconds(5000));
    REQUIRE(eventually([&] { return shop.order(timed_out).at("status") == "cancelled"; }));
    const auto in_dollars = shop.place_order({{"CAP", 2}}, "tok_ok");
    shop.settle();
    REQUIRE(shop.order(delivered).at("status") == "delivered");
    REQUIRE(shop.order(out_of_stock).at("cancel_reason") == "out_of_stock");
    REQUIRE(shop.order(declined).at("cancel_reason") == "payment_declined");

    const auto all = shop.get(summary_target());
    CHECK(all.at("orders_placed") == 7);
    CHECK(all.at("orders_confirmed") == 4);
    CHECK(all.at("orders_delivered") == 1);
    CHECK(all.at("orders_cancelled") == json::object{{"out_of_stock", 1},
                                                     {"payment_declined", 1},
                                                     {"customer_cancelled", 1},
                                                     {"timeout", 1}});
    json::array revenue;
    for (const auto& [currency, money] :
         money_of(shop, {delivered, confirmed, cancelled_by_customer, out_of_stock, declined,
                         timed_out, in_dollars})) {
        revenue.push_back(json::object{{"currency", currency},
                                       {"captured_cents", money.captured},
                                       {"refunded_cents", money.refunded}});
    }
    CHECK(all.at("revenue") == revenue);
    // MUG: 2 delivered + 1 confirmed + 3 confirmed then cancelled - those 3.
    CHECK(all.at("top_skus") == json::array{json::object{{"sku", "MUG"}, {"quantity", 3}},
                                            json::object{{"sku", "CAP"}, {"quantity", 2}},
                                            json::object{{"sku", "HAT"}, {"quantity", 1}}});
    const auto& saga = all.at("saga_ms");
    REQUIRE(saga.at("p50").is_int64());
    CHECK(saga.at("p50").as_int64() >= 0);
    CHECK(saga.at("p95").as_int64() >= saga.at("p50").as_int64());

    // A state counts in the period it was reached in: the order that timed out was placed
    // before `later` and cancelled after it.
    const auto since = shop.get(summary_target("from=" + rfc3339(later)));
    CHECK(since.at("orders_placed") == 1);
    CHECK(since.at("orders_confirmed") == 1);
    CHECK(since.at("orders_cancelled").at("timeout") == 1);
    CHECK(since.at("orders_cancelled").at("customer_cancelled") == 0);
    CHECK(since.at("top_skus") == json::array{json::object{{"sku", "CAP"}, {"quantity", 2}}});
    CHECK(since.at("revenue").as_array().size() == 1);
    const auto before = shop.get(summary_target("to=" + rfc3339(later)));
    CHECK(before.at("orders_placed") == 6);
    CHECK(before.at("orders_cancelled").at("timeout") == 0);
    const auto empty =
        shop.get(summary_target("from=" + rfc3339(shop.app.clock().now() + std::chrono::hours(1))));
    CHECK(empty.at("orders_placed") == 0);
    CHECK(empty.at("saga_ms") == json::object{{"p50", nullptr}, {"p95", nullptr}});
    CHECK(empty.at("top_skus").as_array().empty());
}

TEST_CASE(
    "an analytics series has one bucket per period, empty ones zero, revenue in one "
    "currency",
    "[analytics]") {
    TestShop shop;
    shop.app.clock().freeze(true);
    shop.add_product("MUG", 1250, 20);
    shop.add_product("CAP", 700, 5, "USD");
    const auto start = shop.app.clock().now();
    shop.place_order({{"MUG", 1}}, "tok_ok");
    shop.app.clock().advance(std::chrono::minutes(2));
    shop.place_order({{"MUG", 2}}, "tok_ok");
    shop.place_order({{"CAP", 1}}, "tok_ok");

    const auto window =
        "&from=" + rfc3339(start) + "&to=" + rfc3339(start + std::chrono::minutes(4));
    const auto placed =
        shop.get("/api/analytics/timeseries?metric=orders_placed&bucket=minute" + window);
    const auto& items = placed.at("items").as_array();
    // The first bucket is the minute `start` falls in.
    const bool on_the_minute = std::chrono::floor<std::chrono::minutes>(start) == start;
    REQUIRE(items.size() == (on_the_minute ? 4U : 5U));
    CHECK(text(items[0].at("start")) == rfc3339(std::chrono::floor<std::chrono::minutes>(start)));
    std::vector<std::int64_t> values;
    for (const auto& item : items) {
        values.push_back(item.at("value").as_int64());
    }
    CHECK(values[0] == 1);
    CHECK(values[1] == 0);
    CHECK(values[2] == 2);
    CHECK(values[3] == 0);

    const auto ambiguous =
        shop.http->get("/api/analytics/timeseries?metric=revenue_cents&bucket=hour");
    CHECK(ambiguous.status == 422);
    CHECK_THAT(ambiguous.body, Catch::Contains("EUR, USD"));
    const auto euros = shop.get("/api/analytics/timeseries?metric=revenue_cents&bucket=hour" +
                                window + "&currency=EUR");
    CHECK(euros.at("currency") == "EUR");
    std::int64_t total = 0;
    for (const auto& item : euros.at("items").as_array()) {
        total += item.at("value").as_int64();
    }
    std::int64_t captured_in_euros = 0;
    for (const auto& payment : shop.items("/api/payments")) {
        if (text(payment.at("currency")) == "EUR") {
            captured_in_euros += payment.at("amount_cents").as_int64();
        }
    }
    CHECK(total == captured_in_euros);

    CHECK(shop.http->get("/api/analytics/timeseries?metric=stock&bucket=week").status == 422);
    CHECK(shop.http->get("/api/analytics/summary?from=yesterday").status == 422);
    CHECK(shop.http->get("/api/analytics/summary?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z")
              .status == 422);
    CHECK(shop.http
              ->get("/api/analytics/timeseries?metric=orders_placed&bucket=minute&from="
                    "2000-01-01T00:00:00Z&to=2026-01-01T00:00:00%2B01:00")
              .status == 422);
}

}  // namespace shopd::testing
