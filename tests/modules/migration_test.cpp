// What a module's newer migrations do to rows an older schema stored.
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>
#include <string>

#include "inventory/migrations.hpp"
#include "order/migrations.hpp"
#include "shipping/migrations.hpp"
#include "store/database.hpp"

namespace shopd {
namespace {

// The module's migrations up to and including `version`.
store::MigrationSet up_to(const store::MigrationSet& all, int version) {
    std::size_t count = 0;
    while (count < all.migrations.size() && all.migrations[count].version <= version) {
        ++count;
    }
    return {all.component, all.migrations.first(count)};
}

}  // namespace

TEST_CASE("an order's timeline and line rows move into the order, in the order they were written",
          "[migration]") {
    auto database = store::open_database({{}, true}, Durability::normal);
    const auto orders = order::migrations();
    const store::MigrationSet before[] = {up_to(orders, 6)};
    store::apply_migrations(*database, before);
    database->exec(
        "INSERT INTO customer_order (id, customer_id, status, step, currency, total_cents, "
        "payment_token, shipping_address, created_at, updated_at) VALUES ('o-1', 'c', "
        "'confirmed', 'settled', 'EUR', 100, '', '{}', '2026-01-01T00:00:00.000Z', "
        "'2026-01-01T00:00:01.000Z'), ('o-2', 'c', 'pending', 'reserving', 'EUR', 100, '', "
        "'{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
    database->exec(
        "INSERT INTO order_timeline (id, order_id, at, event, detail, actor) VALUES "
        "(3, 'o-1', '2026-01-01T00:00:01.000Z', 'status: confirmed', '', ''), "
        "(1, 'o-1', '2026-01-01T00:00:00.000Z', 'status: pending', 'placed', 'key k (clerk)'), "
        "(2, 'o-1', '2026-01-01T00:00:00.500Z', 'stock reserved', 'a \"quoted\" line', '')");
    database->exec(
        "INSERT INTO order_line (order_id, line_no, sku, quantity, unit_price_cents) VALUES "
        "('o-1', 1, 'B', 2, 250), ('o-1', 0, 'A', 1, 100)");

    const store::MigrationSet all[] = {orders};
    store::apply_migrations(*database, all);
    CHECK(
        database->execAndGet("SELECT timeline FROM customer_order WHERE id = 'o-1'").getString() ==
        "{\"at\":\"2026-01-01T00:00:00.000Z\",\"event\":\"status: pending\",\"detail\":"
        "\"placed\",\"actor\":\"key k (clerk)\"}\n"
        "{\"at\":\"2026-01-01T00:00:00.500Z\",\"event\":\"stock reserved\",\"detail\":"
        "\"a \\\"quoted\\\" line\",\"actor\":null}\n"
        "{\"at\":\"2026-01-01T00:00:01.000Z\",\"event\":\"status: confirmed\",\"detail\":\"\","
        "\"actor\":null}\n");
    CHECK(database->execAndGet("SELECT timeline FROM customer_order WHERE id = 'o-2'")
              .getString()
              .empty());
    CHECK(database->execAndGet("SELECT lines FROM customer_order WHERE id = 'o-1'").getString() ==
          R"([{"sku":"A","quantity":1,"unit_price_cents":100},)"
          R"({"sku":"B","quantity":2,"unit_price_cents":250}])");
    CHECK(database->execAndGet("SELECT lines FROM customer_order WHERE id = 'o-2'").getString() ==
          "[]");
    CHECK(database
              ->execAndGet("SELECT count(*) FROM sqlite_schema WHERE name IN ('order_timeline', "
                           "'order_line')")
              .getInt() == 0);
}

TEST_CASE("a reservation's line rows move into the reservation", "[migration]") {
    auto database = store::open_database({{}, true}, Durability::normal);
    const auto stock = inventory::migrations();
    const store::MigrationSet before[] = {up_to(stock, 1)};
    store::apply_migrations(*database, before);
    database->exec(
        "INSERT INTO product (sku, name, price_cents, currency, weight_grams, available, "
        "created_at, updated_at) VALUES ('A', 'a', 100, 'EUR', 10, 5, '', '')");
    database->exec(
        "INSERT INTO reservation (order_id, state, currency, total_cents, expires_at_ms, "
        "created_at, updated_at) VALUES ('o-1', 'reserved', 'EUR', 300, 0, '', ''), "
        "('o-2', 'rejected', '', 0, 0, '', '')");
    database->exec(
        "INSERT INTO reservation_line (order_id, sku, quantity, unit_price_cents) VALUES "
        "('o-1', 'A', 3, 100)");

    const store::MigrationSet all[] = {stock};
    store::apply_migrations(*database, all);
    CHECK(
        database->execAndGet("SELECT lines FROM reservation WHERE order_id = 'o-1'").getString() ==
        R"([{"sku":"A","quantity":3,"unit_price_cents":100,"weight_grams":0}])");
    CHECK(
        database->execAndGet("SELECT lines FROM reservation WHERE order_id = 'o-2'").getString() ==
        "[]");
}

TEST_CASE("a shipment's history rows move into the shipment, oldest first", "[migration]") {
    auto database = store::open_database({{}, true}, Durability::normal);
    const auto shipments = shipping::migrations();
    const store::MigrationSet before[] = {up_to(shipments, 3)};
    store::apply_migrations(*database, before);
    database->exec(
        "INSERT INTO shipment (id, order_id, customer_id, status, carrier, tracking_number, "
        "cost_cents, currency, weight_grams, shipping_address, created_at, updated_at) VALUES "
        "('s-1', 'o-1', 'c', 'dispatched', 'dhl', 'T1', 500, 'EUR', 10, '{}', '', '')");
    database->exec(
        "INSERT INTO shipment_history (id, shipment_id, status, at) VALUES "
        "(2, 's-1', 'dispatched', '2026-01-02T00:00:00.000Z'), "
        "(1, 's-1', 'created', '2026-01-01T00:00:00.000Z')");

    const store::MigrationSet all[] = {shipments};
    store::apply_migrations(*database, all);
    CHECK(database->execAndGet("SELECT history FROM shipment WHERE id = 's-1'").getString() ==
          "{\"status\":\"created\",\"at\":\"2026-01-01T00:00:00.000Z\"}\n"
          "{\"status\":\"dispatched\",\"at\":\"2026-01-02T00:00:00.000Z\"}\n");
}

}  // namespace shopd
