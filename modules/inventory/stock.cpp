#include "stock.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/statements.hpp>

#include "reservation_plan.hpp"

namespace shopd::inventory {
namespace json = boost::json;
using namespace contracts::inventory;
using contracts::order::order_aggregate;

namespace {

const char* const kProductColumns =
    "SELECT p.sku, p.name, p.price_cents, p.currency, p.weight_grams, p.available, p.reserved, "
    "p.sold, p.created_at, p.updated_at, p.category, p.description, p.active, i.etag "
    "FROM product AS p LEFT JOIN product_image AS i ON i.sku = p.sku ";
const std::string kProductBySku = std::string{kProductColumns} + "WHERE p.sku = ?";
const std::string kProductsAfter = std::string{kProductColumns} + "WHERE p.sku > ?1";

// The query of the products `query` asks for: only the conditions it sets, so that SQLite
// walks the category's index when there is one.
std::string products_sql(const ProductQuery& query) {
    std::string sql = kProductsAfter;
    if (!query.category.empty()) {
        sql += " AND p.category = ?2";
    }
    if (!query.search.empty()) {
        sql +=
            " AND (instr(lower(p.sku), ?3) OR instr(lower(p.name), ?3) OR "
            "instr(lower(p.description), ?3))";
    }
    if (query.active) {
        sql += " AND p.active = ?4";
    }
    if (query.low_stock) {
        sql += " AND p.available < ?5";
    }
    sql += " ORDER BY p.sku LIMIT ?6";
    return sql;
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

json::object product_json(SQLite::Statement& row) {
    const auto sku = row.getColumn(0).getString();
    const auto available = row.getColumn(5).getInt64();
    const auto reserved = row.getColumn(6).getInt64();
    const auto etag = row.getColumn(13);
    // The picture's URL changes with the picture, so a page may keep it as long as it likes.
    const auto image =
        etag.isNull() ? json::value(nullptr)
                      : json::value(fmt::format("/api/products/{}/image?v={}", sku,
                                                std::string_view{etag.getText()}.substr(1, 12)));
    return json::object{
        {"sku", row.getColumn(0).getString()},
        {"name", row.getColumn(1).getString()},
        {"price_cents", row.getColumn(2).getInt64()},
        {"currency", row.getColumn(3).getString()},
        {"weight_grams", row.getColumn(4).getInt64()},
        {"stock", available + reserved},
        {"available", available},
        {"reserved", reserved},
        {"sold", row.getColumn(7).getInt64()},
        {"category", row.getColumn(10).getString()},
        {"description", row.getColumn(11).getString()},
        {"active", row.getColumn(12).getInt() != 0},
        {"image", image},
        {"created_at", row.getColumn(8).getString()},
        {"updated_at", row.getColumn(9).getString()},
    };
}

std::int64_t available_of(UnitOfWork& unit_of_work, const std::string& sku) {
    auto& query = unit_of_work.statements().get("SELECT available FROM product WHERE sku = ?");
    query.bind(1, sku);
    const auto available = query.executeStep() ? query.getColumn(0).getInt64() : 0;
    query.reset();
    return available;
}

}  // namespace

result<void> Stock::add_product(UnitOfWork& unit_of_work, const NewProduct& product) const {
    const auto now = rfc3339(unit_of_work.now());
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO product (sku, name, price_cents, currency, weight_grams, available, "
        "category, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sku) DO NOTHING");
    SQLite::bind(insert, product.sku, product.name, product.price_cents, product.currency,
                 product.weight_grams, product.stock, product.category, product.description, now,
                 now);
    if (insert.exec() == 0) {
        return failure(errc::sku_taken, {product.sku});
    }
    record_adjustment(unit_of_work, product.sku, product.stock, now);
    unit_of_work.publish(
        ProductPriced{product.sku, product.name, product.price_cents, product.currency},
        product_aggregate(product.sku));
    check_low_stock(unit_of_work, product.sku, config_.low_stock_threshold);
    return {};
}

std::optional<json::object> Stock::product(UnitOfWork& unit_of_work, const Sku& sku) const {
    auto& query = unit_of_work.statements().get(kProductBySku);
    query.bind(1, sku.str());
    std::optional<json::object> found;
    if (query.executeStep()) {
        found = product_json(query);
    }
    query.reset();
    return found;
}

json::array Stock::products(UnitOfWork& unit_of_work, const ProductQuery& wanted) const {
    auto& query = unit_of_work.statements().get(products_sql(wanted));
    query.bind(1, wanted.after);
    if (!wanted.category.empty()) {
        query.bind(2, wanted.category);
    }
    if (!wanted.search.empty()) {
        query.bind(3, lowered(wanted.search));
    }
    if (wanted.active) {
        query.bind(4, *wanted.active ? 1 : 0);
    }
    if (wanted.low_stock) {
        query.bind(5, config_.low_stock_threshold);
    }
    query.bind(6, wanted.limit);
    json::array items;
    while (query.executeStep()) {
        items.push_back(product_json(query));
    }
    query.reset();
    return items;
}

result<void> Stock::change(UnitOfWork& unit_of_work, const Sku& sku,
                           const ProductChange& change) const {
    auto& query = unit_of_work.statements().get(
        "SELECT name, price_cents, currency FROM product WHERE sku = ?");
    query.bind(1, sku.str());
    if (!query.executeStep()) {
        query.reset();
        return failure(errc::unknown_product, {sku.str()});
    }
    const ProductPriced before{sku.str(), query.getColumn(0).getString(),
                               query.getColumn(1).getInt64(), query.getColumn(2).getString()};
    query.reset();
    const ProductPriced after{sku.str(), change.name.value_or(before.name),
                              change.price_cents.value_or(before.price_cents),
                              change.currency.value_or(before.currency)};
    auto& update = unit_of_work.statements().get(
        "UPDATE product SET name = ?2, price_cents = ?3, currency = ?4, "
        "category = coalesce(?5, category), description = coalesce(?6, description), "
        "active = coalesce(?7, active), updated_at = ?8 WHERE sku = ?1");
    SQLite::bind(update, sku.str(), after.name, after.price_cents, after.currency);
    for (const auto& [index, text] : {std::pair{5, &change.category}, {6, &change.description}}) {
        if (*text) {
            update.bind(index, **text);
        } else {
            update.bind(index);
        }
    }
    if (change.active) {
        update.bind(7, *change.active ? 1 : 0);
    } else {
        update.bind(7);
    }
    update.bind(8, rfc3339(unit_of_work.now()));
    update.exec();
    update.reset();
    if (after.name != before.name || after.price_cents != before.price_cents ||
        after.currency != before.currency) {
        unit_of_work.publish(after, product_aggregate(sku.str()));
    }
    return {};
}

result<void> Stock::set_picture(UnitOfWork& unit_of_work, const Sku& sku,
                                const Picture& picture) const {
    auto& exists = unit_of_work.statements().get("SELECT 1 FROM product WHERE sku = ?");
    exists.bind(1, sku.str());
    const bool known = exists.executeStep();
    exists.reset();
    if (!known) {
        return failure(errc::unknown_product, {sku.str()});
    }
    auto& upsert = unit_of_work.statements().get(
        "INSERT INTO product_image (sku, content_type, etag, bytes, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sku) DO UPDATE SET content_type = ?2, "
        "etag = ?3, bytes = ?4, updated_at = ?5");
    upsert.bind(1, sku.str());
    upsert.bind(2, picture.content_type);
    upsert.bind(3, picture.etag);
    upsert.bind(4, picture.bytes.data(), static_cast<int>(picture.bytes.size()));
    upsert.bind(5, rfc3339(unit_of_work.now()));
    upsert.exec();
    upsert.reset();
    return {};
}

std::optional<Picture> Stock::picture(UnitOfWork& unit_of_work, const Sku& sku) const {
    auto& query = unit_of_work.statements().get(
        "SELECT content_type, etag, bytes FROM product_image WHERE sku = ?");
    query.bind(1, sku.str());
    std::optional<Picture> found;
    if (query.executeStep()) {
        const auto bytes = query.getColumn(2);
        found = Picture{query.getColumn(0).getString(), query.getColumn(1).getString(),
                        std::string{static_cast<const char*>(bytes.getBlob()),
                                    static_cast<std::size_t>(bytes.getBytes())}};
    }
    query.reset();
    return found;
}

result<void> Stock::adjust(UnitOfWork& unit_of_work, const Sku& product_sku,
                           std::int64_t delta) const {
    const auto& sku = product_sku.str();
    auto& query = unit_of_work.statements().get("SELECT available FROM product WHERE sku = ?");
    query.bind(1, sku);
    if (!query.executeStep()) {
        query.reset();
        return failure(errc::unknown_product, {sku});
    }
    const auto available = query.getColumn(0).getInt64();
    query.reset();
    if (available + delta < 0) {
        return failure(errc::below_reserved, {sku});
    }
    const auto now = rfc3339(unit_of_work.now());
    store::exec(unit_of_work.statements(),
                "UPDATE product SET available = available + ?, updated_at = ? WHERE sku = ?", delta,
                now, sku);
    record_adjustment(unit_of_work, sku, delta, now);
    check_low_stock(unit_of_work, sku, available);
    return {};
}

void Stock::reserve(UnitOfWork& unit_of_work, const ReserveStock& command) const {
    if (state_of(unit_of_work, command.order_id)) {
        return;  // this order's reservation was decided already
    }
    std::map<std::string, ProductStock> products;
    auto& query = unit_of_work.statements().get(
        "SELECT price_cents, currency, weight_grams, available FROM product WHERE sku = ?");
    for (const auto& line : command.lines) {
        query.bind(1, line.sku);
        if (query.executeStep()) {
            products[line.sku] = {line.sku, query.getColumn(0).getInt64(),
                                  query.getColumn(1).getString(), query.getColumn(2).getInt64(),
                                  query.getColumn(3).getInt64()};
        }
        query.reset();
    }

    const auto now = unit_of_work.now();
    const auto expires_at = now + config_.reservation_ttl;
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO reservation (order_id, state, currency, total_cents, expires_at_ms, "
        "created_at, updated_at, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const auto decision = plan_reservation(command.lines, products);
    if (!decision) {
        const auto& refusal = decision.error();
        SQLite::bind(insert, command.order_id, "rejected", "", 0, unix_millis(now), rfc3339(now),
                     rfc3339(now), "[]");
        insert.exec();
        unit_of_work.publish(
            StockRejected{command.order_id, std::string{to_string(refusal.code)},
                          refusal.subjects.empty() ? std::string{} : refusal.subjects.front()},
            order_aggregate(command.order_id));
        return;
    }
    const auto& plan = *decision;
    SQLite::bind(insert, command.order_id, "reserved", plan.currency, plan.total_cents,
                 unix_millis(expires_at), rfc3339(now), rfc3339(now),
                 json::serialize(json::value_from(plan.lines)));
    insert.exec();
    auto& hold = unit_of_work.statements().get(
        "UPDATE product SET available = available - ?, reserved = reserved + ?, updated_at = ? "
        "WHERE sku = ?");
    for (const auto& line : plan.lines) {
        hold.bind(1, line.quantity);
        hold.bind(2, line.quantity);
        hold.bind(3, rfc3339(now));
        hold.bind(4, line.sku);
        hold.exec();
        hold.reset();
    }
    unit_of_work.publish(StockReserved{command.order_id, plan.lines, plan.total_cents,
                                       plan.currency, rfc3339(expires_at)},
                         order_aggregate(command.order_id));
    for (const auto& line : plan.lines) {
        check_low_stock(unit_of_work, line.sku, products.at(line.sku).available);
    }
}

void Stock::release(UnitOfWork& unit_of_work, const ReleaseStock& command) const {
    const auto state = state_of(unit_of_work, command.order_id);
    if (state == "reserved") {
        move_lines(unit_of_work, command.order_id,
                   "available = available + ?1, reserved = reserved - ?1");
        set_state(unit_of_work, command.order_id, "released");
        unit_of_work.publish(StockReleased{command.order_id, command.reason, false},
                             order_aggregate(command.order_id));
    } else if (state == "committed") {
        move_lines(unit_of_work, command.order_id, "available = available + ?1, sold = sold - ?1");
        set_state(unit_of_work, command.order_id, "restocked");
        unit_of_work.publish(StockReleased{command.order_id, command.reason, true},
                             order_aggregate(command.order_id));
    }
    // Anything else holds no stock: nothing to give back.
}

void Stock::commit(UnitOfWork& unit_of_work, const CommitStock& command) const {
    const auto state = state_of(unit_of_work, command.order_id);
    if (state == "reserved") {
        move_lines(unit_of_work, command.order_id, "reserved = reserved - ?1, sold = sold + ?1");
    } else if (state == "expired") {
        // The sale outran the reservation: sell from the shelf if it still has every line.
        for (const auto& line : lines_of(unit_of_work, command.order_id)) {
            if (available_of(unit_of_work, line.sku) < line.quantity) {
                unit_of_work.publish(
                    StockRejected{command.order_id, "reservation_expired", line.sku},
                    order_aggregate(command.order_id));
                return;
            }
        }
        move_lines(unit_of_work, command.order_id, "available = available - ?1, sold = sold + ?1");
    } else {
        return;  // committed already, or released: nothing to sell
    }
    set_state(unit_of_work, command.order_id, "committed");
    unit_of_work.publish(StockCommitted{command.order_id}, order_aggregate(command.order_id));
}

int Stock::expire_lapsed(UnitOfWork& unit_of_work) const {
    auto& query = unit_of_work.statements().get(
        "SELECT order_id FROM reservation WHERE state = 'reserved' AND expires_at_ms <= ? "
        "ORDER BY expires_at_ms LIMIT 200");
    query.bind(1, unix_millis(unit_of_work.now()));
    const auto lapsed = store::first_column(query);
    for (const auto& order_id : lapsed) {
        move_lines(unit_of_work, order_id, "available = available + ?1, reserved = reserved - ?1");
        set_state(unit_of_work, order_id, "expired");
        unit_of_work.publish(StockReleased{order_id, "expired", false}, order_aggregate(order_id));
    }
    return static_cast<int>(lapsed.size());
}

std::vector<ReservedLine> Stock::lines_of(UnitOfWork& unit_of_work,
                                          const std::string& order_id) const {
    auto& query = unit_of_work.statements().get("SELECT lines FROM reservation WHERE order_id = ?");
    query.bind(1, order_id);
    auto lines =
        query.executeStep()
            ? json::value_to<std::vector<ReservedLine>>(json::parse(query.getColumn(0).getText()))
            : std::vector<ReservedLine>{};
    query.reset();
    return lines;
}

void Stock::move_lines(UnitOfWork& unit_of_work, const std::string& order_id,
                       const char* column_update) const {
    auto& update = unit_of_work.statements().get(
        std::string{"UPDATE product SET "} + column_update + ", updated_at = ?2 WHERE sku = ?3");
    for (const auto& line : lines_of(unit_of_work, order_id)) {
        const auto available_before = available_of(unit_of_work, line.sku);
        update.bind(1, line.quantity);
        update.bind(2, rfc3339(unit_of_work.now()));
        update.bind(3, line.sku);
        update.exec();
        update.reset();
        check_low_stock(unit_of_work, line.sku, available_before);
    }
}

void Stock::record_adjustment(UnitOfWork& unit_of_work, const std::string& sku, std::int64_t delta,
                              const std::string& at) const {
    store::exec(unit_of_work.statements(),
                "INSERT INTO stock_adjustment (sku, delta, adjusted_at) VALUES (?, ?, ?)", sku,
                delta, at);
}

void Stock::set_state(UnitOfWork& unit_of_work, const std::string& order_id,
                      const char* state) const {
    auto& update = unit_of_work.statements().get(
        "UPDATE reservation SET state = ?, updated_at = ? WHERE order_id = ?");
    update.bind(1, state);
    update.bind(2, rfc3339(unit_of_work.now()));
    update.bind(3, order_id);
    update.exec();
}

std::optional<std::string> Stock::state_of(UnitOfWork& unit_of_work,
                                           const std::string& order_id) const {
    auto& query = unit_of_work.statements().get("SELECT state FROM reservation WHERE order_id = ?");
    query.bind(1, order_id);
    std::optional<std::string> state;
    if (query.executeStep()) {
        state = query.getColumn(0).getString();
    }
    query.reset();
    return state;
}

void Stock::check_low_stock(UnitOfWork& unit_of_work, const std::string& sku,
                            std::int64_t available_before) const {
    const auto available = available_of(unit_of_work, sku);
    if (available < config_.low_stock_threshold &&
        available_before >= config_.low_stock_threshold) {
        unit_of_work.publish(LowStock{sku, available, config_.low_stock_threshold},
                             product_aggregate(sku));
    }
}

}  // namespace shopd::inventory
