#include "saga.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <map>
#include <set>
#include <stdexcept>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>
#include <shopd/statements.hpp>

namespace shopd::order {
namespace json = boost::json;
namespace inventory = contracts::inventory;
namespace payment = contracts::payment;
namespace shipping = contracts::shipping;
using namespace contracts::order;

struct Saga::State {
    std::string id;
    std::string customer_id;
    std::string status;
    std::string step;
    std::string currency;
    std::int64_t total_cents = 0;
    std::int64_t weight_grams = 0;
    std::string payment_token;
    std::string address_json;
    std::string tracking_number;
    std::string cancel_requested;  // waiting for shipping to cancel the shipment
    bool stock_requested = false;
    bool payment_requested = false;
    bool shipment_requested = false;

    bool cancelling() const { return !cancel_requested.empty(); }
    // Waiting for the answer to `waiting_step`: anything else is a late or stray answer.
    bool awaits(std::string_view waiting_step) const {
        return status == "pending" && step == waiting_step && !cancelling();
    }
};

namespace {

template <class... Args>
int exec(UnitOfWork& unit_of_work, std::string_view sql, const Args&... args) {
    return store::exec(unit_of_work.statements(), sql, args...);
}

}  // namespace

std::int64_t Saga::deadline(const UnitOfWork& unit_of_work) const {
    return unix_millis(unit_of_work.now()) + config_.step_timeout.count();
}

void Saga::record(UnitOfWork& unit_of_work, const std::string& order_id, std::string_view event,
                  const std::string& detail) const {
    exec(unit_of_work,
         "INSERT INTO order_timeline (order_id, at, event, detail) VALUES (?, ?, ?, ?)", order_id,
         rfc3339(unit_of_work.now()), std::string{event}, detail);
}

Saga::State Saga::load(UnitOfWork& unit_of_work, const std::string& order_id) const {
    auto state = find(unit_of_work, order_id);
    if (!state) {
        // Parked at once where an operator sees it: no retry makes the order appear.
        throw UnknownAggregate(fmt::format("no order '{}'", order_id));
    }
    return std::move(*state);
}

std::optional<Saga::State> Saga::find(UnitOfWork& unit_of_work, const std::string& order_id) const {
    auto& query = unit_of_work.statements().get(
        "SELECT customer_id, status, step, currency, total_cents, weight_grams, payment_token, "
        "shipping_address, coalesce(tracking_number, ''), coalesce(cancel_requested, ''), "
        "stock_requested, payment_requested, shipment_requested FROM customer_order WHERE id = ?");
    query.bind(1, order_id);
    if (!query.executeStep()) {
        query.reset();
        return std::nullopt;
    }
    State state{order_id,
                query.getColumn(0).getString(),
                query.getColumn(1).getString(),
                query.getColumn(2).getString(),
                query.getColumn(3).getString(),
                query.getColumn(4).getInt64(),
                query.getColumn(5).getInt64(),
                query.getColumn(6).getString(),
                query.getColumn(7).getString(),
                query.getColumn(8).getString(),
                query.getColumn(9).getString(),
                query.getColumn(10).getInt() != 0,
                query.getColumn(11).getInt() != 0,
                query.getColumn(12).getInt() != 0};
    query.reset();
    return state;
}

void Saga::catalogue(UnitOfWork& unit_of_work, const inventory::ProductPriced& product) const {
    exec(unit_of_work,
         "INSERT INTO catalog (sku, name, price_cents, currency, updated_at) VALUES (?, ?, ?, ?, ?)"
         " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = "
         "excluded.price_cents, currency = excluded.currency, updated_at = excluded.updated_at",
         product.sku, product.name, product.price_cents, product.currency,
         rfc3339(unit_of_work.now()));
}

std::variant<std::string, CatalogRefusal> Saga::place(UnitOfWork& unit_of_work,
                                                      const PlaceOrder& request) const {
    CatalogRefusal refusal;
    std::vector<std::int64_t> prices;
    auto& currencies = refusal.currencies;
    std::string currency;
    auto& lookup =
        unit_of_work.statements().get("SELECT price_cents, currency FROM catalog WHERE sku = ?");
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        lookup.bind(1, request.lines[i].sku);
        if (lookup.executeStep()) {
            prices.push_back(lookup.getColumn(0).getInt64());
            currency = lookup.getColumn(1).getString();
            currencies.insert(currency);
        } else {
            refusal.unknown_lines.push_back(i);
        }
        lookup.reset();
    }
    if (!refusal.unknown_lines.empty() || currencies.size() > 1) {
        return refusal;
    }

    const auto order_id = new_uuid_v7();
    const auto now = rfc3339(unit_of_work.now());
    std::int64_t total = 0;
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        total += prices[i] * request.lines[i].quantity;
    }
    exec(unit_of_work,
         "INSERT INTO customer_order (id, customer_id, status, step, deadline_ms, currency, "
         "total_cents, payment_token, shipping_address, stock_requested, created_at, updated_at) "
         "VALUES (?, ?, 'pending', 'reserving', ?, ?, ?, ?, ?, 1, ?, ?)",
         order_id, request.customer_id, deadline(unit_of_work), currency, total,
         request.payment_token, json::serialize(json::value_from(request.address)), now, now);
    std::vector<inventory::RequestedLine> requested;
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        const auto& line = request.lines[i];
        exec(unit_of_work,
             "INSERT INTO order_line (order_id, line_no, sku, quantity, unit_price_cents) "
             "VALUES (?, ?, ?, ?, ?)",
             order_id, static_cast<int>(i), line.sku, line.quantity, prices[i]);
        requested.push_back({line.sku, line.quantity});
    }
    record(unit_of_work, order_id, "status: pending");
    unit_of_work.publish(OrderPlaced{order_id, request.customer_id, request.lines},
                         order_aggregate(order_id));
    unit_of_work.publish(inventory::ReserveStock{order_id, std::move(requested)},
                         order_aggregate(order_id));
    return order_id;
}

void Saga::cancel(UnitOfWork& unit_of_work, State& state, const std::string& reason) const {
    if (state.shipment_requested) {
        // Nothing is given back before shipping says the parcel has not left: a dispatch that
        // meets this cancel wins it, and the order stays with its parcel (ShipmentCancelRefused).
        unit_of_work.publish(shipping::CancelShipment{state.id, reason}, order_aggregate(state.id));
        // What the caller found needs no undoing (a lapsed reservation) is kept for then.
        exec(unit_of_work,
             "UPDATE customer_order SET cancel_requested = ?, deadline_ms = NULL, "
             "stock_requested = ?, payment_requested = ?, updated_at = ? WHERE id = ?",
             reason, state.stock_requested ? 1 : 0, state.payment_requested ? 1 : 0,
             rfc3339(unit_of_work.now()), state.id);
        state.cancel_requested = reason;
        record(unit_of_work, state.id, "cancel requested", reason);
        return;
    }
    compensate(unit_of_work, state, reason);
}

void Saga::compensate(UnitOfWork& unit_of_work, State& state, const std::string& reason) const {
    // Undo what was asked, newest first; the shipment is cancelled already.
    if (state.payment_requested) {
        unit_of_work.publish(payment::RefundPayment{state.id, reason}, order_aggregate(state.id));
    }
    if (state.stock_requested) {
        unit_of_work.publish(inventory::ReleaseStock{state.id, reason}, order_aggregate(state.id));
    }
    exec(unit_of_work,
         "UPDATE customer_order SET status = 'cancelled', cancel_reason = ?, step = 'settled', "
         "cancel_requested = NULL, deadline_ms = NULL, updated_at = ? WHERE id = ?",
         reason, rfc3339(unit_of_work.now()), state.id);
    state.status = "cancelled";
    record(unit_of_work, state.id, "status: cancelled", reason);
    unit_of_work.publish(OrderCancelled{state.id, state.customer_id, reason},
                         order_aggregate(state.id));
}

CancelOutcome Saga::cancel_by_customer(UnitOfWork& unit_of_work,
                                       const std::string& order_id) const {
    auto found = find(unit_of_work, order_id);
    if (!found) {
        return CancelOutcome::unknown_order;
    }
    auto& state = *found;
    if (state.status == "cancelled") {
        return CancelOutcome::already_cancelled;
    }
    if (state.status == "shipped" || state.status == "delivered") {
        return CancelOutcome::too_late;
    }
    if (!state.cancelling()) {
        cancel(unit_of_work, state, "customer_cancelled");
    }
    return state.cancelling() ? CancelOutcome::cancelling : CancelOutcome::cancelled;
}

int Saga::time_out_overdue(UnitOfWork& unit_of_work) const {
    auto& query = unit_of_work.statements().get(
        "SELECT id FROM customer_order WHERE deadline_ms <= ? ORDER BY deadline_ms LIMIT 200");
    query.bind(1, unix_millis(unit_of_work.now()));
    const auto overdue = store::first_column(query);
    for (const auto& order_id : overdue) {
        auto state = load(unit_of_work, order_id);
        record(unit_of_work, order_id, "deadline", fmt::format("no answer while {}", state.step));
        cancel(unit_of_work, state, "timeout");
    }
    return static_cast<int>(overdue.size());
}

void Saga::on(UnitOfWork& unit_of_work, const inventory::StockReserved& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, inventory::StockReserved::type_name,
           fmt::format("{} {}", event.total_cents, event.currency));
    if (!state.awaits("reserving")) {
        return;  // cancelled meanwhile: the ReleaseStock behind this gives the stock back
    }
    // The reservation's prices are the catalog's at this moment: they are what the order costs.
    std::map<std::string, std::int64_t> prices;
    std::int64_t weight = 0;
    for (const auto& line : event.lines) {
        prices[line.sku] = line.unit_price_cents;
        weight += line.weight_grams * line.quantity;
    }
    for (const auto& [sku, price] : prices) {
        exec(unit_of_work,
             "UPDATE order_line SET unit_price_cents = ? WHERE order_id = ? AND sku = ?", price,
             state.id, sku);
    }
    exec(unit_of_work,
         "UPDATE customer_order SET step = 'paying', deadline_ms = ?, currency = ?, "
         "total_cents = ?, weight_grams = ?, payment_requested = 1, updated_at = ? WHERE id = ?",
         deadline(unit_of_work), event.currency, event.total_cents, weight,
         rfc3339(unit_of_work.now()), state.id);
    unit_of_work.publish(payment::CapturePayment{state.id, state.customer_id, event.total_cents,
                                                 event.currency, state.payment_token},
                         order_aggregate(state.id));
}

void Saga::on(UnitOfWork& unit_of_work, const inventory::StockRejected& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, inventory::StockRejected::type_name,
           fmt::format("{} {}", event.reason, event.sku));
    if (state.awaits("reserving")) {
        state.stock_requested = false;  // nothing is held
        cancel(unit_of_work, state, "out_of_stock");
    } else if (state.status == "confirmed" && event.reason == "reservation_expired") {
        // The sale could not be completed after the reservation lapsed.
        state.stock_requested = false;
        cancel(unit_of_work, state, "out_of_stock");
    }
}

void Saga::on(UnitOfWork& unit_of_work, const inventory::StockReleased& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, inventory::StockReleased::type_name, event.reason);
    if (event.reason == "expired" && state.status == "pending") {
        state.stock_requested = false;  // released already
        cancel(unit_of_work, state, "timeout");
    }
}

void Saga::on(UnitOfWork& unit_of_work, const inventory::StockCommitted& event) const {
    record(unit_of_work, load(unit_of_work, event.order_id).id,
           inventory::StockCommitted::type_name);
}

void Saga::on(UnitOfWork& unit_of_work, const payment::PaymentCaptured& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, payment::PaymentCaptured::type_name,
           fmt::format("{} {}", event.amount_cents, event.currency));
    exec(unit_of_work, "UPDATE customer_order SET payment_id = ? WHERE id = ?", event.payment_id,
         state.id);
    if (!state.awaits("paying")) {
        return;  // cancelled meanwhile: the RefundPayment behind this gives the money back
    }
    exec(unit_of_work,
         "UPDATE customer_order SET step = 'shipping', deadline_ms = ?, shipment_requested = 1, "
         "updated_at = ? WHERE id = ?",
         deadline(unit_of_work), rfc3339(unit_of_work.now()), state.id);
    unit_of_work.publish(
        shipping::CreateShipment{state.id, state.customer_id,
                                 json::value_to<shipping::Address>(json::parse(state.address_json)),
                                 state.weight_grams, state.currency},
        order_aggregate(state.id));
}

void Saga::on(UnitOfWork& unit_of_work, const payment::PaymentDeclined& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, payment::PaymentDeclined::type_name, event.reason);
    exec(unit_of_work, "UPDATE customer_order SET payment_id = ? WHERE id = ?", event.payment_id,
         state.id);
    if (state.awaits("paying")) {
        state.payment_requested = false;  // nothing was taken
        cancel(unit_of_work, state, "payment_declined");
    }
}

void Saga::on(UnitOfWork& unit_of_work, const payment::PaymentRefunded& event) const {
    record(unit_of_work, load(unit_of_work, event.order_id).id, payment::PaymentRefunded::type_name,
           fmt::format("{} {}", event.amount_cents, event.currency));
}

void Saga::on(UnitOfWork& unit_of_work, const shipping::ShipmentCreated& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, shipping::ShipmentCreated::type_name, event.tracking_number);
    exec(unit_of_work,
         "UPDATE customer_order SET shipment_id = ?, tracking_number = ? WHERE id = ?",
         event.shipment_id, event.tracking_number, state.id);
    if (!state.awaits("shipping")) {
        return;  // cancelled meanwhile: the CancelShipment behind this cancels it
    }
    confirm(unit_of_work, state, event.tracking_number);
}

void Saga::confirm(UnitOfWork& unit_of_work, State& state,
                   const std::string& tracking_number) const {
    exec(unit_of_work,
         "UPDATE customer_order SET status = 'confirmed', step = 'settled', deadline_ms = NULL, "
         "updated_at = ? WHERE id = ?",
         rfc3339(unit_of_work.now()), state.id);
    state.status = "confirmed";
    record(unit_of_work, state.id, "status: confirmed");
    unit_of_work.publish(inventory::CommitStock{state.id}, order_aggregate(state.id));
    unit_of_work.publish(OrderConfirmed{state.id, state.customer_id, state.total_cents,
                                        state.currency, tracking_number},
                         order_aggregate(state.id));
}

void Saga::on(UnitOfWork& unit_of_work, const shipping::ShipmentDispatched& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, shipping::ShipmentDispatched::type_name);
    if (state.status == "confirmed") {
        ship(unit_of_work, state, event.tracking_number);
    }
}

void Saga::ship(UnitOfWork& unit_of_work, State& state, const std::string& tracking_number) const {
    exec(unit_of_work, "UPDATE customer_order SET status = 'shipped', updated_at = ? WHERE id = ?",
         rfc3339(unit_of_work.now()), state.id);
    state.status = "shipped";
    record(unit_of_work, state.id, "status: shipped");
    unit_of_work.publish(OrderShipped{state.id, state.customer_id, tracking_number},
                         order_aggregate(state.id));
}

void Saga::on(UnitOfWork& unit_of_work, const shipping::ShipmentDelivered& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, shipping::ShipmentDelivered::type_name);
    if (state.status == "shipped") {
        deliver(unit_of_work, state);
    }
}

void Saga::deliver(UnitOfWork& unit_of_work, State& state) const {
    exec(unit_of_work,
         "UPDATE customer_order SET status = 'delivered', updated_at = ? WHERE id = ?",
         rfc3339(unit_of_work.now()), state.id);
    state.status = "delivered";
    record(unit_of_work, state.id, "status: delivered");
    unit_of_work.publish(OrderDelivered{state.id, state.customer_id}, order_aggregate(state.id));
}

void Saga::on(UnitOfWork& unit_of_work, const shipping::ShipmentCancelled& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, shipping::ShipmentCancelled::type_name);
    if (state.cancelling()) {
        state.shipment_requested = false;  // the parcel will not leave: the rest is given back
        compensate(unit_of_work, state, state.cancel_requested);
    }
}

void Saga::on(UnitOfWork& unit_of_work, const shipping::ShipmentCancelRefused& event) const {
    auto state = load(unit_of_work, event.order_id);
    record(unit_of_work, state.id, shipping::ShipmentCancelRefused::type_name, event.status);
    if (!state.cancelling()) {
        return;
    }
    exec(unit_of_work,
         "UPDATE customer_order SET cancel_requested = NULL, updated_at = ? WHERE id = ?",
         rfc3339(unit_of_work.now()), state.id);
    state.cancel_requested.clear();
    record(unit_of_work, state.id, "cancel refused",
           fmt::format("the parcel was {} first", event.status));
    // The order goes on with its parcel from where the cancel stopped it: the answers it set
    // aside while cancelling are taken now.
    if (state.status == "pending") {
        confirm(unit_of_work, state, event.tracking_number);
    }
    if (state.status == "confirmed") {
        ship(unit_of_work, state, event.tracking_number);
    }
    if (state.status == "shipped" && event.status == "delivered") {
        deliver(unit_of_work, state);
    }
}

std::optional<json::object> Saga::order(UnitOfWork& unit_of_work,
                                        const std::string& order_id) const {
    auto& query = unit_of_work.statements().get(
        "SELECT customer_id, status, cancel_reason, currency, total_cents, shipping_address, "
        "payment_id, shipment_id, tracking_number, created_at, updated_at "
        "FROM customer_order WHERE id = ?");
    query.bind(1, order_id);
    if (!query.executeStep()) {
        query.reset();
        return std::nullopt;
    }
    json::object order{
        {"id", order_id},
        {"status", query.getColumn(1).getString()},
        {"cancel_reason", store::text_or_null(query.getColumn(2))},
        {"customer_id", query.getColumn(0).getString()},
        {"total_cents", query.getColumn(4).getInt64()},
        {"currency", query.getColumn(3).getString()},
        {"shipping_address", json::parse(query.getColumn(5).getString())},
        {"payment_id", store::text_or_null(query.getColumn(6))},
        {"shipment_id", store::text_or_null(query.getColumn(7))},
        {"tracking_number", store::text_or_null(query.getColumn(8))},
        {"created_at", query.getColumn(9).getString()},
        {"updated_at", query.getColumn(10).getString()},
    };
    query.reset();

    json::array items;
    auto& lines = unit_of_work.statements().get(
        "SELECT sku, quantity, unit_price_cents FROM order_line WHERE order_id = ? ORDER BY "
        "line_no");
    lines.bind(1, order_id);
    while (lines.executeStep()) {
        items.push_back(json::object{{"sku", lines.getColumn(0).getString()},
                                     {"quantity", lines.getColumn(1).getInt64()},
                                     {"unit_price_cents", lines.getColumn(2).getInt64()}});
    }
    lines.reset();
    order["items"] = std::move(items);

    json::array timeline;
    auto& entries = unit_of_work.statements().get(
        "SELECT at, event, detail FROM order_timeline WHERE order_id = ? ORDER BY id");
    entries.bind(1, order_id);
    while (entries.executeStep()) {
        timeline.push_back(json::object{{"at", entries.getColumn(0).getString()},
                                        {"event", entries.getColumn(1).getString()},
                                        {"detail", entries.getColumn(2).getString()}});
    }
    entries.reset();
    order["timeline"] = std::move(timeline);
    return order;
}

json::array Saga::orders(UnitOfWork& unit_of_work, const OrderFilter& filter) const {
    auto& query = unit_of_work.statements().get(
        "SELECT id FROM customer_order WHERE (?1 = '' OR customer_id = ?1) AND "
        "(?2 = '' OR status = ?2) AND (?3 = '' OR id < ?3) ORDER BY id DESC LIMIT ?4");
    SQLite::bind(query, filter.customer_id, filter.status, filter.before_id, filter.limit);
    json::array items;
    for (const auto& id : store::first_column(query)) {
        items.push_back(*order(unit_of_work, id));
    }
    return items;
}

}  // namespace shopd::order
