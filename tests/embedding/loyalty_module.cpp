#include "loyalty_module.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <shopd/contracts/order.hpp>

namespace loyalty {
namespace {

namespace json = boost::json;
using shopd::UnitOfWork;
using shopd::contracts::order::OrderConfirmed;

constexpr shopd::store::Migration kMigrations[] = {
    {1, "points", "CREATE TABLE points (customer_id TEXT PRIMARY KEY, points INTEGER NOT NULL)"},
};

}  // namespace

shopd::ModuleDefinition module(std::shared_ptr<std::atomic<bool>> paused) {
    auto settings = shopd::Settings<LoyaltySettings>("loyalty").add(
        "points_per_euro", &LoyaltySettings::points_per_euro, "Points a euro of an order earns",
        shopd::at_least<std::int64_t>(0));
    return {"loyalty",
            [paused](shopd::ModuleBuilder& builder) {
                builder.migrations({"loyalty", kMigrations});
                const auto per_euro = builder.settings<LoyaltySettings>().points_per_euro;
                auto& awarded = builder.counter("shopd_loyalty_points_total", "Points awarded.");
                auto& work = builder.work();
                builder.subscribe<OrderConfirmed>(
                    [per_euro, &awarded, &work, paused](UnitOfWork& unit_of_work,
                                                        const OrderConfirmed& order) {
                        if (*paused) {
                            return;
                        }
                        auto span = work.span("award");
                        const auto points = order.total_cents / 100 * per_euro;
                        SQLite::Statement award(
                            unit_of_work.database(),
                            "INSERT INTO points (customer_id, points) VALUES (?, ?) "
                            "ON CONFLICT (customer_id) DO UPDATE SET points = points + ?");
                        award.bind(1, order.customer_id);
                        award.bind(2, points);
                        award.bind(3, points);
                        award.exec();
                        unit_of_work.after_commit([&awarded, points] {
                            awarded.with({}).inc(static_cast<std::uint64_t>(points));
                        });
                    },
                    shopd::From::now);
                builder.route(
                    {shopd::http::Method::get,
                     "/api/loyalty/{customer}",
                     shopd::http::Body::none,
                     {shopd::Role::customer},
                     [&work](const shopd::http::Request& request, shopd::http::Reply reply) {
                         work.answer(
                             request, reply, {},
                             [customer = request.param("customer")](UnitOfWork& unit_of_work) {
                                 SQLite::Statement query(
                                     unit_of_work.database(),
                                     "SELECT points FROM points WHERE customer_id = ?");
                                 query.bind(1, customer);
                                 const std::int64_t points =
                                     query.executeStep() ? query.getColumn(0).getInt64() : 0;
                                 return shopd::http::json_response(
                                     200,
                                     json::object{{"customer_id", customer}, {"points", points}});
                             });
                     }});
                builder.readiness([paused]() -> std::optional<std::string> {
                    if (*paused) {
                        return "awarding points is paused";
                    }
                    return std::nullopt;
                });
            },
            std::move(settings)};
}

}  // namespace loyalty
