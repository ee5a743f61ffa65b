// Concurrency: many customers racing for little stock.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "support/shop.hpp"

namespace shopd::testing {
namespace json = boost::json;

TEST_CASE("500 concurrent orders for 100 in stock confirm exactly 100 and never oversell",
          "[reliability]") {
    auto config = shop_config();
    config.server.threads = 4;
    TestShop shop(config);
    shop.add_product("HOT", 1000, 100);

    constexpr int kOrders = 500;
    constexpr int kClients = 20;
    std::atomic<int> next{0};
    std::atomic<int> accepted{0};
    std::atomic<bool> stop_watching{false};
    std::atomic<std::int64_t> lowest_available{100};
    std::thread watcher([&] {
        HttpClient client(shop.app.port());
        while (!stop_watching) {
            const auto product = client.get("/api/products/HOT").json();
            const auto available = product.at("available").as_int64();
            for (auto seen = lowest_available.load(); available < seen;) {
                lowest_available.compare_exchange_weak(seen, available);
            }
        }
    });
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            HttpClient client(shop.app.port());
            while (next.fetch_add(1) < kOrders) {
                const auto body =
                    TestShop::order_body("customer-" + std::to_string(c), {{"HOT", 1}}, "tok_ok");
                if (client.post_json("/api/orders", json::serialize(body)).status == 202) {
                    ++accepted;
                }
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    shop.settle();
    stop_watching = true;
    watcher.join();

    CHECK(accepted == kOrders);
    std::map<std::string, int> outcomes;
    std::string cursor;
    do {
        const auto page =
            shop.get("/api/orders?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
        for (const auto& order : page.at("items").as_array()) {
            const auto& reason = order.at("cancel_reason");
            ++outcomes[text(order.at("status")) + (reason.is_null() ? "" : "/" + text(reason))];
        }
        cursor = page.at("next_cursor").is_null() ? "" : text(page.at("next_cursor"));
    } while (!cursor.empty());
    CHECK(outcomes ==
          std::map<std::string, int>{{"confirmed", 100}, {"cancelled/out_of_stock", 400}});
    const auto product = shop.product("HOT");
    CHECK(product.at("available") == 0);
    CHECK(product.at("reserved") == 0);
    CHECK(product.at("sold") == 100);
    CHECK(lowest_available >= 0);
}

}  // namespace shopd::testing
