#include "saga.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>
#include <shopd/statements.hpp>

namespace shopd::order {
namespace json = boost::json;
namespace inventory = contracts::inventory;
namespace payment = contracts::payment;
using namespace contracts::order;

namespace {

template <class... Args>
int exec(UnitOfWork& unit_of_work, std::string_view sql, const Args&... args) {
    return store::exec(unit_of_work.statements(), sql, args...);
}

template <class Enum>
Enum column_enum(std::optional<Enum> (*parse)(std::string_view), const std::string& text) {
    const auto value = parse(text);
    if (!value) {
        throw std::runtime_error(fmt::format("an order row holds '{}'", text));
    }
    return *value;
}

std::optional<CancelReason> reason_column(const SQLite::Column& column) {
    return column.isNull() ? std::nullopt : parse_cancel_reason(column.getString());
}

std::string_view reason_text(std::optional<CancelReason> reason) {
    return reason ? to_string(*reason) : std::string_view{};
}

// The decision's timeline entries as the order row keeps them.
std::string timeline_lines(UnitOfWork& unit_of_work, const Decision& decision) {
    const auto at = rfc3339(unit_of_work.now());
    const auto& actor = unit_of_work.context().actor;
    std::string lines;
    for (const auto& entry : decision.timeline) {
        lines += store::history_line({
            {"at", at},
            {"event", entry.event},
            {"detail", entry.detail},
            {"actor", actor.empty() ? json::value(nullptr) : json::value(actor)},
        });
    }
    return lines;
}

// The order row's column of each of `saga_steps`: whether that step was asked for.
constexpr std::array<std::string_view, saga_steps.size()> asked_columns{
    "stock_requested = ?", "payment_requested = ?", "shipment_requested = ?"};

// An UPDATE of an order row that names only the columns a decision changed: SQLite rewrites
// the index entries of every indexed column an UPDATE names, whether its value changed or not,
// and each saga step changes a few of the row's columns.
class OrderUpdate {
  public:
    using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;

    // `assignment` names a column and holds one `?` for `value`.
    void set(std::string_view assignment, Value value) {
        sql_ += sql_.empty() ? "UPDATE customer_order SET " : ", ";
        sql_ += assignment;
        values_.push_back(std::move(value));
    }
    void set_text_or_null(std::string_view assignment, std::string_view text) {
        set(assignment, text.empty() ? Value{nullptr} : Value{std::string{text}});
    }
    void exec(UnitOfWork& unit_of_work, const OrderId& id) {
        set("updated_at = ?", rfc3339(unit_of_work.now()));
        sql_ += " WHERE id = ?";
        values_.emplace_back(id.str());
        auto& update = unit_of_work.statements().get(sql_);
        for (std::size_t i = 0; i < values_.size(); ++i) {
            const auto index = static_cast<int>(i + 1);
            std::visit(
                [&](const auto& value) {
                    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::nullptr_t>) {
                        update.bind(index);
                    } else {
                        update.bind(index, value);
                    }
                },
                values_[i]);
        }
        update.exec();
        update.reset();
    }

  private:
    std::string sql_;
    std::vector<Value> values_;
};

// The lines of a new order as its row keeps them.
std::string lines_text(const std::vector<OrderLine>& lines,
                       const std::vector<std::int64_t>& unit_prices_cents) {
    json::array items;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        items.push_back(json::object{{"sku", lines[i].sku},
                                     {"quantity", lines[i].quantity},
                                     {"unit_price_cents", unit_prices_cents[i]}});
    }
    return json::serialize(items);
}

// The order's lines, with the prices its reservation set, as the row keeps them (a JSON array of
// {"sku", "quantity", "unit_price_cents"}); empty when the decision sets no price.
std::string repriced_lines(UnitOfWork& unit_of_work, const Decision& decision) {
    if (decision.repriced_lines.empty()) {
        return {};
    }
    auto& query = unit_of_work.statements().get("SELECT lines FROM customer_order WHERE id = ?");
    query.bind(1, decision.state.id.str());
    auto lines =
        query.executeStep() ? json::parse(query.getColumn(0).getText()).as_array() : json::array{};
    query.reset();
    for (auto& line : lines) {
        auto& fields = line.as_object();
        for (const auto& priced : decision.repriced_lines) {
            if (fields.at("sku").as_string() == priced.sku) {
                fields["unit_price_cents"] = priced.unit_price_cents;
            }
        }
    }
    return json::serialize(lines);
}

// Sends the decision's messages, about the order; returns the id of the CapturePayment among
// them, or an empty string.
std::string send(UnitOfWork& unit_of_work, const Decision& decision) {
    const auto& id = decision.state.id.str();
    std::string capture_id;
    for (const auto& message : decision.messages) {
        auto message_id = std::visit(
            [&](const auto& m) { return unit_of_work.publish(m, order_aggregate(id)); }, message);
        if (std::holds_alternative<payment::CapturePayment>(message)) {
            capture_id = std::move(message_id);
        }
    }
    return capture_id;
}

}  // namespace

Saga::Saga(const OrderSettings& config, SagaMetrics metrics, OrderStreams& streams)
    : config_(config), metrics_(metrics), streams_(streams) {
    metrics_.placed.with({});
    metrics_.ended.with({"delivered", ""});
    for (const auto reason : {CancelReason::out_of_stock, CancelReason::payment_declined,
                              CancelReason::customer_cancelled, CancelReason::timeout}) {
        metrics_.ended.with({"cancelled", std::string{to_string(reason)}});
    }
    metrics_.saga.with({"confirmed"});
    metrics_.saga.with({"cancelled"});
    metrics_.to_delivery.with({});
}

void Saga::count(UnitOfWork& unit_of_work, const OrderState& order) const {
    if (order.status != Status::confirmed && order.status != Status::cancelled &&
        order.status != Status::delivered) {
        return;
    }
    auto& placed_at =
        unit_of_work.statements().get("SELECT created_at FROM customer_order WHERE id = ?");
    placed_at.bind(1, order.id.str());
    const auto placed =
        placed_at.executeStep() ? parse_rfc3339(placed_at.getColumn(0).getString()) : std::nullopt;
    placed_at.reset();
    const double seconds =
        placed ? std::chrono::duration<double>(unit_of_work.now() - *placed).count() : 0.0;
    if (order.status == Status::confirmed) {
        unit_of_work.after_commit(
            [this, seconds] { metrics_.saga.with({"confirmed"}).observe(seconds); });
    } else if (order.status == Status::cancelled) {
        const auto reason =
            std::string{order.cancel_reason ? to_string(*order.cancel_reason) : std::string_view{}};
        unit_of_work.after_commit([this, seconds, reason] {
            metrics_.saga.with({"cancelled"}).observe(seconds);
            metrics_.ended.with({"cancelled", reason}).inc();
        });
    } else {
        unit_of_work.after_commit([this, seconds] {
            metrics_.to_delivery.with({}).observe(seconds);
            metrics_.ended.with({"delivered", ""}).inc();
        });
    }
}

std::optional<OrderState> Saga::find(UnitOfWork& unit_of_work, const OrderId& order_id) const {
    auto& query = unit_of_work.statements().get(
        "SELECT customer_id, status, step, cancel_reason, cancel_requested, currency, "
        "total_cents, weight_grams, payment_token, shipping_address, coalesce(payment_id, ''), "
        "coalesce(shipment_id, ''), coalesce(tracking_number, ''), stock_requested, "
        "payment_requested, shipment_requested FROM customer_order WHERE id = ?");
    query.bind(1, order_id.str());
    if (!query.executeStep()) {
        query.reset();
        return std::nullopt;
    }
    OrderState state{
        .id = order_id,
        .customer_id = query.getColumn(0).getString(),
        .status = column_enum(parse_status, query.getColumn(1).getString()),
        .step = column_enum(parse_step, query.getColumn(2).getString()),
        .cancel_reason = reason_column(query.getColumn(3)),
        .cancel_requested = reason_column(query.getColumn(4)),
        .currency = query.getColumn(5).getString(),
        .total_cents = query.getColumn(6).getInt64(),
        .weight_grams = query.getColumn(7).getInt64(),
        .payment_token = query.getColumn(8).getString(),
        .address = json::value_to<contracts::shipping::Address>(
            json::parse(query.getColumn(9).getString())),
        .payment_id = PaymentId{query.getColumn(10).getString()},
        .shipment_id = ShipmentId{query.getColumn(11).getString()},
        .tracking_number = query.getColumn(12).getString(),
        .asked = {query.getColumn(13).getInt() != 0, query.getColumn(14).getInt() != 0,
                  query.getColumn(15).getInt() != 0},
    };
    query.reset();
    return state;
}

void Saga::apply(UnitOfWork& unit_of_work, const OrderState& before,
                 const Decision& decision) const {
    const auto& order = decision.state;
    const auto capture_id = send(unit_of_work, decision);
    if (order.status != before.status) {
        count(unit_of_work, order);
    }
    if (order != before || decision.deadline != DeadlineChange::keep || !capture_id.empty() ||
        !decision.timeline.empty() || !decision.repriced_lines.empty()) {
        OrderUpdate update;
        if (order.status != before.status) {
            update.set("status = ?", std::string{to_string(order.status)});
        }
        if (order.step != before.step) {
            update.set("step = ?", std::string{to_string(order.step)});
        }
        if (order.cancel_reason != before.cancel_reason) {
            update.set_text_or_null("cancel_reason = ?", reason_text(order.cancel_reason));
        }
        if (order.cancel_requested != before.cancel_requested) {
            update.set_text_or_null("cancel_requested = ?", reason_text(order.cancel_requested));
        }
        if (order.currency != before.currency) {
            update.set("currency = ?", order.currency);
        }
        if (order.total_cents != before.total_cents) {
            update.set("total_cents = ?", order.total_cents);
        }
        if (order.weight_grams != before.weight_grams) {
            update.set("weight_grams = ?", order.weight_grams);
        }
        if (order.payment_id != before.payment_id) {
            update.set_text_or_null("payment_id = ?", order.payment_id.str());
        }
        if (order.shipment_id != before.shipment_id) {
            update.set_text_or_null("shipment_id = ?", order.shipment_id.str());
        }
        if (order.tracking_number != before.tracking_number) {
            update.set_text_or_null("tracking_number = ?", order.tracking_number);
        }
        for (std::size_t step = 0; step < order.asked.size(); ++step) {
            if (order.asked[step] != before.asked[step]) {
                update.set(asked_columns[step], std::int64_t{order.asked[step] ? 1 : 0});
            }
        }
        if (decision.deadline == DeadlineChange::restart) {
            update.set("deadline_ms = ?",
                       unix_millis(unit_of_work.now()) + config_.step_timeout.count());
        } else if (decision.deadline == DeadlineChange::clear) {
            update.set("deadline_ms = ?", nullptr);
        }
        if (!capture_id.empty()) {
            // Once the capture is asked for, the token lives in that command alone.
            update.set("capture_message_id = ?", capture_id);
            update.set("payment_token = ?", std::string{});
        }
        if (!decision.timeline.empty()) {
            update.set("timeline = timeline || ?", timeline_lines(unit_of_work, decision));
        }
        if (!decision.repriced_lines.empty()) {
            update.set("lines = ?", repriced_lines(unit_of_work, decision));
        }
        update.exec(unit_of_work, order.id);
        if (streams_.watched(order.id.str())) {
            unit_of_work.after_commit([this, changed = *this->order(unit_of_work, order.id)] {
                streams_.changed(changed);
            });
        }
    }
}

void Saga::catalogue(UnitOfWork& unit_of_work, const inventory::ProductPriced& product) const {
    exec(unit_of_work,
         "INSERT INTO catalog (sku, name, price_cents, currency, updated_at) VALUES (?, ?, ?, ?, ?)"
         " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = "
         "excluded.price_cents, currency = excluded.currency, updated_at = excluded.updated_at",
         product.sku, product.name, product.price_cents, product.currency,
         rfc3339(unit_of_work.now()));
}

result<OrderId> Saga::place(UnitOfWork& unit_of_work, const PlaceOrder& request) const {
    std::vector<std::optional<CatalogEntry>> entries;
    auto& lookup =
        unit_of_work.statements().get("SELECT price_cents, currency FROM catalog WHERE sku = ?");
    for (const auto& line : request.lines) {
        lookup.bind(1, line.sku);
        entries.push_back(lookup.executeStep()
                              ? std::optional<CatalogEntry>{{lookup.getColumn(0).getInt64(),
                                                             lookup.getColumn(1).getString()}}
                              : std::nullopt);
        lookup.reset();
    }
    auto priced = price(request.lines, entries);
    if (!priced) {
        return priced.error();
    }

    const auto decision = start({.id = OrderId{new_uuid_v7()},
                                 .customer_id = request.customer_id,
                                 .currency = priced->currency,
                                 .total_cents = priced->total_cents,
                                 .payment_token = request.payment_token,
                                 .address = request.address},
                                request.lines);
    const auto& order = decision.state;
    const auto now = rfc3339(unit_of_work.now());
    exec(unit_of_work,
         "INSERT INTO customer_order (id, customer_id, status, step, deadline_ms, currency, "
         "total_cents, payment_token, shipping_address, stock_requested, created_at, updated_at, "
         "placed_by, traceparent, timeline, lines) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         order.id.str(), order.customer_id, std::string{to_string(order.status)},
         std::string{to_string(order.step)},
         unix_millis(unit_of_work.now()) + config_.step_timeout.count(), order.currency,
         order.total_cents, order.payment_token, json::serialize(json::value_from(request.address)),
         order.was_asked(Step::reserving) ? 1 : 0, now, now, request.placed_by,
         unit_of_work.context().traceparent, timeline_lines(unit_of_work, decision),
         lines_text(request.lines, priced->unit_prices_cents));
    send(unit_of_work, decision);
    unit_of_work.after_commit([this] { metrics_.placed.with({}).inc(); });
    return order.id;
}

result<OrderState> Saga::cancel_by_customer(UnitOfWork& unit_of_work,
                                            const OrderId& order_id) const {
    auto state = find(unit_of_work, order_id);
    if (!state) {
        return failure(errc::unknown_order, {order_id.str()});
    }
    if (auto allowed = may_cancel(*state); !allowed) {
        return allowed.error();
    }
    auto decision = decide(*state, CustomerCancel{});
    apply(unit_of_work, *state, decision);
    return std::move(decision.state);
}

int Saga::time_out_overdue(UnitOfWork& unit_of_work) const {
    auto& query = unit_of_work.statements().get(
        "SELECT id, traceparent FROM customer_order WHERE deadline_ms <= ? ORDER BY deadline_ms "
        "LIMIT 200");
    query.bind(1, unix_millis(unit_of_work.now()));
    std::vector<std::pair<std::string, std::string>> overdue;
    while (query.executeStep()) {
        overdue.emplace_back(query.getColumn(0).getString(), query.getColumn(1).getString());
    }
    query.reset();
    for (const auto& [order_id, traceparent] : overdue) {
        unit_of_work.continue_trace(traceparent);  // the order's, which its cancel belongs to
        on(unit_of_work, order_id, DeadlinePassed{});
    }
    return static_cast<int>(overdue.size());
}

void Saga::on(UnitOfWork& unit_of_work, const std::string& order_id, const SagaEvent& event) const {
    const auto state = find(unit_of_work, OrderId{order_id});
    if (!state) {
        // Parked at once where an operator sees it: no retry makes the order appear.
        throw UnknownAggregate(fmt::format("no order '{}'", order_id));
    }
    apply(unit_of_work, *state, decide(*state, event));
    if (std::holds_alternative<payment::PaymentCaptured>(event) ||
        std::holds_alternative<payment::PaymentDeclined>(event)) {
        // The capture was answered: its command need not keep the token for a retry.
        auto& capture = unit_of_work.statements().get(
            "SELECT capture_message_id FROM customer_order WHERE id = ?");
        capture.bind(1, order_id);
        const auto message_id = capture.executeStep() ? capture.getColumn(0).getString() : "";
        capture.reset();
        if (!message_id.empty()) {
            unit_of_work.redact_published(message_id);
        }
    }
}

std::optional<json::object> Saga::order(UnitOfWork& unit_of_work, const OrderId& order_id) const {
    auto& query = unit_of_work.statements().get(
        "SELECT customer_id, status, cancel_reason, currency, total_cents, shipping_address, "
        "payment_id, shipment_id, tracking_number, created_at, updated_at, step, deadline_ms, "
        "placed_by, timeline, lines FROM customer_order WHERE id = ?");
    query.bind(1, order_id.str());
    if (!query.executeStep()) {
        query.reset();
        return std::nullopt;
    }
    json::object order{
        {"id", order_id.str()},
        {"status", query.getColumn(1).getString()},
        {"step", query.getColumn(11).getString()},
        {"step_deadline", query.getColumn(12).isNull()
                              ? json::value(nullptr)
                              : json::value(rfc3339(ShopClock::time_point{
                                    std::chrono::milliseconds{query.getColumn(12).getInt64()}}))},
        {"cancel_reason", store::text_or_null(query.getColumn(2))},
        {"customer_id", query.getColumn(0).getString()},
        {"placed_by", query.getColumn(13).getString().empty()
                          ? json::value(nullptr)
                          : json::value(query.getColumn(13).getString())},
        {"total_cents", query.getColumn(4).getInt64()},
        {"currency", query.getColumn(3).getString()},
        {"shipping_address", json::parse(query.getColumn(5).getString())},
        {"payment_id", store::text_or_null(query.getColumn(6))},
        {"shipment_id", store::text_or_null(query.getColumn(7))},
        {"tracking_number", store::text_or_null(query.getColumn(8))},
        {"created_at", query.getColumn(9).getString()},
        {"updated_at", query.getColumn(10).getString()},
    };
    order["items"] = json::parse(query.getColumn(15).getText());
    order["timeline"] = store::history_entries(query.getColumn(14).getText());
    query.reset();
    return order;
}

json::array Saga::orders(UnitOfWork& unit_of_work, const OrderFilter& filter) const {
    // Only the filters given are in the query, so that SQLite walks the index of the one that
    // narrows most (customer, status, placer) from the cursor on, instead of every order.
    std::string sql = "SELECT id FROM customer_order WHERE 1";
    const std::string status{filter.status ? to_string(*filter.status) : std::string_view{}};
    const std::string reason{filter.reason ? to_string(*filter.reason) : std::string_view{}};
    const std::string stuck{filter.stuck ? "stuck" : ""};
    for (const auto& [value, condition] :
         {std::pair<const std::string*, const char*>{&filter.customer_id, " AND customer_id = ?1"},
          {&status, " AND status = ?2"},
          {&filter.before_id, " AND id < ?3"},
          {&filter.placed_by, " AND placed_by = ?5"},
          {&reason, " AND cancel_reason = ?6"},
          {&stuck, " AND status = 'pending' AND deadline_ms <= ?7"}}) {
        if (!value->empty()) {
            sql += condition;
        }
    }
    sql += " ORDER BY id DESC LIMIT ?4";
    auto& query = unit_of_work.statements().get(sql);
    const auto bind_given = [&](int index, const std::string& value) {
        if (!value.empty()) {
            query.bind(index, value);
        }
    };
    bind_given(1, filter.customer_id);
    bind_given(2, status);
    bind_given(3, filter.before_id);
    query.bind(4, filter.limit);
    bind_given(5, filter.placed_by);
    bind_given(6, reason);
    if (filter.stuck) {
        // Past half the step's time: its deadline is less than half a step away.
        query.bind(7, unix_millis(unit_of_work.now()) + config_.step_timeout.count() / 2);
    }
    json::array items;
    for (const auto& id : store::first_column(query)) {
        items.push_back(*order(unit_of_work, OrderId{id}));
    }
    return items;
}

}  // namespace shopd::order
