#include "read_model.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>

#include <shopd/statements.hpp>

namespace shopd::analytics {
namespace {

using namespace contracts;

// When the handled message was written: the time its order or payment reached its state.
std::string event_time(const UnitOfWork& unit_of_work) {
    const auto& occurred_at = unit_of_work.context().occurred_at;
    return occurred_at.empty() ? rfc3339(unit_of_work.now()) : occurred_at;
}

// Binds ?1 and ?2 to the ends of `range`, NULL where it is open.
void bind_range(SQLite::Statement& statement, const Range& range) {
    const auto bind_end = [&](int index, const std::optional<Instant>& end) {
        if (end) {
            statement.bind(index, rfc3339(*end));
        } else {
            statement.bind(index);
        }
    };
    bind_end(1, range.from);
    bind_end(2, range.to);
}

std::int64_t count_reached(UnitOfWork& unit_of_work, std::string_view sql, const Range& range) {
    auto& query = unit_of_work.statements().get(sql);
    bind_range(query, range);
    query.executeStep();
    const auto count = query.getColumn(0).getInt64();
    query.reset();
    return count;
}

void record_order_state(UnitOfWork& unit_of_work, std::string_view upsert,
                        const std::string& order_id) {
    store::exec(unit_of_work.statements(), upsert, order_id, event_time(unit_of_work));
}

}  // namespace

void ReadModel::placed(UnitOfWork& unit_of_work, const order::OrderPlaced& event) const {
    record_order_state(unit_of_work,
                       "INSERT INTO order_fact (order_id, placed_at) VALUES (?1, ?2) "
                       "ON CONFLICT (order_id) DO UPDATE SET placed_at = ?2",
                       event.order_id);
    for (const auto& line : event.lines) {
        store::exec(unit_of_work.statements(),
                    "INSERT INTO order_line (order_id, sku, quantity) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (order_id, sku) DO UPDATE SET quantity = quantity + ?3",
                    event.order_id, line.sku, line.quantity);
    }
}

void ReadModel::confirmed(UnitOfWork& unit_of_work, const order::OrderConfirmed& event) const {
    record_order_state(unit_of_work,
                       "INSERT INTO order_fact (order_id, confirmed_at) VALUES (?1, ?2) "
                       "ON CONFLICT (order_id) DO UPDATE SET confirmed_at = ?2",
                       event.order_id);
}

void ReadModel::delivered(UnitOfWork& unit_of_work, const order::OrderDelivered& event) const {
    record_order_state(unit_of_work,
                       "INSERT INTO order_fact (order_id, delivered_at) VALUES (?1, ?2) "
                       "ON CONFLICT (order_id) DO UPDATE SET delivered_at = ?2",
                       event.order_id);
}

void ReadModel::cancelled(UnitOfWork& unit_of_work, const order::OrderCancelled& event) const {
    store::exec(
        unit_of_work.statements(),
        "INSERT INTO order_fact (order_id, cancelled_at, cancel_reason) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (order_id) DO UPDATE SET cancelled_at = ?2, cancel_reason = ?3",
        event.order_id, event_time(unit_of_work), event.reason);
}

void ReadModel::captured(UnitOfWork& unit_of_work, const payment::PaymentCaptured& event) const {
    store::exec(unit_of_work.statements(),
                "INSERT OR IGNORE INTO money_movement (payment_id, kind, currency, amount_cents, "
                "at) VALUES (?, 'captured', ?, ?, ?)",
                event.payment_id, event.currency, event.amount_cents, event_time(unit_of_work));
}

void ReadModel::refunded(UnitOfWork& unit_of_work, const payment::PaymentRefunded& event) const {
    store::exec(unit_of_work.statements(),
                "INSERT OR IGNORE INTO money_movement (payment_id, kind, currency, amount_cents, "
                "at) VALUES (?, 'refunded', ?, ?, ?)",
                event.payment_id, event.currency, event.amount_cents, event_time(unit_of_work));
}

Summary ReadModel::summary(UnitOfWork& unit_of_work, const Range& range) const {
    Summary summary;
    summary.orders_placed =
        count_reached(unit_of_work,
                      "SELECT count(*) FROM order_fact WHERE placed_at IS NOT NULL AND "
                      "(?1 IS NULL OR placed_at >= ?1) AND (?2 IS NULL OR placed_at < ?2)",
                      range);
    summary.orders_confirmed =
        count_reached(unit_of_work,
                      "SELECT count(*) FROM order_fact WHERE confirmed_at IS NOT NULL AND "
                      "(?1 IS NULL OR confirmed_at >= ?1) AND (?2 IS NULL OR confirmed_at < ?2)",
                      range);
    summary.orders_delivered =
        count_reached(unit_of_work,
                      "SELECT count(*) FROM order_fact WHERE delivered_at IS NOT NULL AND "
                      "(?1 IS NULL OR delivered_at >= ?1) AND (?2 IS NULL OR delivered_at < ?2)",
                      range);

    for (const auto* reason :
         {"out_of_stock", "payment_declined", "customer_cancelled", "timeout"}) {
        summary.orders_cancelled[reason] = 0;
    }
    auto& cancelled = unit_of_work.statements().get(
        "SELECT cancel_reason, count(*) FROM order_fact WHERE cancelled_at IS NOT NULL AND "
        "(?1 IS NULL OR cancelled_at >= ?1) AND (?2 IS NULL OR cancelled_at < ?2) "
        "GROUP BY cancel_reason");
    bind_range(cancelled, range);
    while (cancelled.executeStep()) {
        summary.orders_cancelled[cancelled.getColumn(0).getString()] =
            cancelled.getColumn(1).getInt64();
    }
    cancelled.reset();

    auto& revenue = unit_of_work.statements().get(
        "SELECT currency, sum(CASE kind WHEN 'captured' THEN amount_cents ELSE 0 END), "
        "sum(CASE kind WHEN 'refunded' THEN amount_cents ELSE 0 END) FROM money_movement "
        "WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2) "
        "GROUP BY currency ORDER BY currency");
    bind_range(revenue, range);
    while (revenue.executeStep()) {
        summary.revenue.push_back({revenue.getColumn(0).getString(),
                                   revenue.getColumn(1).getInt64(),
                                   revenue.getColumn(2).getInt64()});
    }
    revenue.reset();

    auto& sold = unit_of_work.statements().get(
        "SELECT sku, sum(quantity) AS sold FROM ("
        " SELECT l.sku, l.quantity FROM order_line l JOIN order_fact o USING (order_id)"
        "  WHERE o.confirmed_at IS NOT NULL AND (?1 IS NULL OR o.confirmed_at >= ?1)"
        "  AND (?2 IS NULL OR o.confirmed_at < ?2)"
        " UNION ALL"
        " SELECT l.sku, -l.quantity FROM order_line l JOIN order_fact o USING (order_id)"
        "  WHERE o.confirmed_at IS NOT NULL AND o.cancelled_at IS NOT NULL"
        "  AND (?1 IS NULL OR o.cancelled_at >= ?1) AND (?2 IS NULL OR o.cancelled_at < ?2))"
        " GROUP BY sku HAVING sold > 0 ORDER BY sold DESC, sku LIMIT 10");
    bind_range(sold, range);
    while (sold.executeStep()) {
        summary.top_skus.push_back({sold.getColumn(0).getString(), sold.getColumn(1).getInt64()});
    }
    sold.reset();

    auto& durations = unit_of_work.statements().get(
        "SELECT placed_at, confirmed_at FROM order_fact WHERE placed_at IS NOT NULL AND "
        "confirmed_at IS NOT NULL AND (?1 IS NULL OR confirmed_at >= ?1) AND "
        "(?2 IS NULL OR confirmed_at < ?2)");
    bind_range(durations, range);
    std::vector<std::int64_t> saga_ms;
    while (durations.executeStep()) {
        const auto placed_at = parse_rfc3339(durations.getColumn(0).getString());
        const auto confirmed_at = parse_rfc3339(durations.getColumn(1).getString());
        if (placed_at && confirmed_at) {
            saga_ms.push_back((*confirmed_at - *placed_at).count());
        }
    }
    durations.reset();
    summary.saga_p50_ms = percentile(saga_ms, 50);
    summary.saga_p95_ms = percentile(std::move(saga_ms), 95);
    return summary;
}

std::vector<std::string> ReadModel::currencies(UnitOfWork& unit_of_work) const {
    return store::first_column(unit_of_work.statements().get(
        "SELECT DISTINCT currency FROM money_movement ORDER BY currency"));
}

Series ReadModel::series(UnitOfWork& unit_of_work, Metric metric, Bucket bucket, Instant from,
                         Instant to, const std::string& currency) const {
    auto series = empty_series(from, to, bucket);
    const Range range{series.starts.empty() ? from : series.starts.front(), to};
    const char* sql = nullptr;
    switch (metric) {
        case Metric::orders_placed:
            sql =
                "SELECT placed_at, 1 FROM order_fact WHERE placed_at IS NOT NULL AND "
                "placed_at >= ?1 AND placed_at < ?2";
            break;
        case Metric::orders_confirmed:
            sql =
                "SELECT confirmed_at, 1 FROM order_fact WHERE confirmed_at IS NOT NULL AND "
                "confirmed_at >= ?1 AND confirmed_at < ?2";
            break;
        case Metric::revenue_cents:
            sql =
                "SELECT at, CASE kind WHEN 'captured' THEN amount_cents ELSE -amount_cents END "
                "FROM money_movement WHERE at >= ?1 AND at < ?2 AND (?3 = '' OR currency = ?3)";
            break;
    }
    auto& query = unit_of_work.statements().get(sql);
    bind_range(query, range);
    if (metric == Metric::revenue_cents) {
        query.bind(3, currency);
    }
    while (query.executeStep()) {
        if (const auto at = parse_rfc3339(query.getColumn(0).getString())) {
            add_to(series, bucket, *at, query.getColumn(1).getInt64());
        }
    }
    query.reset();
    return series;
}

}  // namespace shopd::analytics
