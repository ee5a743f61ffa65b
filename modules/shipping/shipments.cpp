#include "shipments.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <random>
#include <stdexcept>

#include <shopd/clock.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/ids.hpp>
#include <shopd/statements.hpp>

namespace shopd::shipping {
namespace json = boost::json;
using namespace contracts::shipping;

namespace {

const char* const kShipmentById =
    "SELECT id, order_id, customer_id, status, carrier, tracking_number, cost_cents, currency, "
    "weight_grams, shipping_address, created_at, updated_at, history FROM shipment WHERE id = ?";

}  // namespace

void Shipments::create(UnitOfWork& unit_of_work, const CreateShipment& command) const {
    auto& existing = unit_of_work.statements().get("SELECT 1 FROM shipment WHERE order_id = ?");
    existing.bind(1, command.order_id);
    const bool created_before = existing.executeStep();
    existing.reset();
    if (created_before) {
        return;
    }
    thread_local std::mt19937_64 random{std::random_device{}()};
    const auto id = new_uuid_v7();
    const auto tracking = tracking_number(config_.carrier, random());
    const auto cost = shipping_cost(config_, command.weight_grams);
    const auto now = rfc3339(unit_of_work.now());
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO shipment (id, order_id, customer_id, status, carrier, tracking_number, "
        "cost_cents, currency, weight_grams, shipping_address, created_at, updated_at, "
        "traceparent, history) VALUES (?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SQLite::bind(insert, id, command.order_id, command.customer_id, config_.carrier, tracking, cost,
                 command.currency, command.weight_grams,
                 json::serialize(json::value_from(command.address)), now, now,
                 unit_of_work.context().traceparent,
                 store::history_line({{"status", "created"}, {"at", now}}));
    insert.exec();
    unit_of_work.publish(
        ShipmentCreated{command.order_id, id, config_.carrier, tracking, cost, command.currency},
        contracts::order::order_aggregate(command.order_id));
}

void Shipments::cancel(UnitOfWork& unit_of_work, const CancelShipment& command) const {
    const auto shipment = row(unit_of_work, "order_id", command.order_id);
    const auto answer = answer_cancel(shipment ? std::optional{shipment->status} : std::nullopt);
    const auto order = contracts::order::order_aggregate(command.order_id);
    const auto id = shipment ? shipment->id.str() : std::string{};
    // The order waits for this answer before it refunds anything: a parcel that has left is
    // never paid back, however the cancel and the dispatch met.
    if (answer.refused) {
        unit_of_work.publish(ShipmentCancelRefused{command.order_id, id, shipment->tracking_number,
                                                   std::string{to_string(shipment->status)}},
                             order);
        return;
    }
    if (answer.next) {
        set_status(unit_of_work, shipment->id, *answer.next);
    }
    unit_of_work.publish(ShipmentCancelled{command.order_id, id}, order);
}

result<void> Shipments::take(UnitOfWork& unit_of_work, CarrierStep step,
                             const ShipmentId& id) const {
    const auto shipment = row(unit_of_work, "id", id.str());
    if (!shipment) {
        return failure(errc::unknown_shipment, {id.str()});
    }
    const auto next = after(step, shipment->status);
    if (!next) {
        return next.error();
    }
    set_status(unit_of_work, id, *next);
    const auto order = contracts::order::order_aggregate(shipment->order_id);
    if (step == CarrierStep::dispatch) {
        unit_of_work.publish(
            ShipmentDispatched{shipment->order_id, id.str(), shipment->tracking_number}, order);
    } else {
        unit_of_work.publish(ShipmentDelivered{shipment->order_id, id.str()}, order);
    }
    return {};
}

void Shipments::take_due_steps(UnitOfWork& unit_of_work) const {
    take_due(unit_of_work, CarrierStep::dispatch, ShipmentStatus::created, config_.auto_dispatch);
    take_due(unit_of_work, CarrierStep::deliver, ShipmentStatus::dispatched, config_.auto_deliver);
}

void Shipments::take_due(UnitOfWork& unit_of_work, CarrierStep step, ShipmentStatus from,
                         std::chrono::milliseconds after) const {
    if (after.count() == 0) {
        return;
    }
    // updated_at is when the shipment entered its status; RFC 3339 in UTC sorts as time does.
    auto& query = unit_of_work.statements().get(
        "SELECT id, traceparent FROM shipment WHERE status = ? AND updated_at <= ? "
        "ORDER BY updated_at LIMIT 100");
    SQLite::bind(query, std::string{to_string(from)}, rfc3339(unit_of_work.now() - after));
    std::vector<std::pair<ShipmentId, std::string>> due;
    while (query.executeStep()) {
        due.emplace_back(ShipmentId{query.getColumn(0).getString()},
                         query.getColumn(1).getString());
    }
    query.reset();
    for (const auto& [id, traceparent] : due) {
        unit_of_work.continue_trace(traceparent);  // the order's
        if (!take(unit_of_work, step, id)) {
            throw std::logic_error("a due carrier step was refused");
        }
    }
}

std::optional<Shipments::Row> Shipments::row(UnitOfWork& unit_of_work, std::string_view column,
                                             const std::string& value) const {
    auto& query = unit_of_work.statements().get(fmt::format(
        "SELECT id, order_id, status, tracking_number FROM shipment WHERE {} = ?", column));
    query.bind(1, value);
    std::optional<Row> found;
    if (query.executeStep()) {
        const auto status = parse_shipment_status(query.getColumn(2).getString());
        if (!status) {
            throw std::runtime_error(
                fmt::format("a shipment row holds '{}'", query.getColumn(2).getString()));
        }
        found = Row{ShipmentId{query.getColumn(0).getString()}, query.getColumn(1).getString(),
                    *status, query.getColumn(3).getString()};
    }
    query.reset();
    return found;
}

void Shipments::set_status(UnitOfWork& unit_of_work, const ShipmentId& id,
                           ShipmentStatus status) const {
    const auto now = rfc3339(unit_of_work.now());
    const std::string name{to_string(status)};
    auto& update = unit_of_work.statements().get(
        "UPDATE shipment SET status = ?, updated_at = ?, history = history || ? WHERE id = ?");
    SQLite::bind(update, name, now, store::history_line({{"status", name}, {"at", now}}), id.str());
    update.exec();
}

std::optional<json::object> Shipments::shipment(UnitOfWork& unit_of_work,
                                                const ShipmentId& id) const {
    auto& query = unit_of_work.statements().get(kShipmentById);
    query.bind(1, id.str());
    if (!query.executeStep()) {
        query.reset();
        return std::nullopt;
    }
    json::object shipment{
        {"id", query.getColumn(0).getString()},
        {"order_id", query.getColumn(1).getString()},
        {"customer_id", query.getColumn(2).getString()},
        {"status", query.getColumn(3).getString()},
        {"carrier", query.getColumn(4).getString()},
        {"tracking_number", query.getColumn(5).getString()},
        {"cost_cents", query.getColumn(6).getInt64()},
        {"currency", query.getColumn(7).getString()},
        {"weight_grams", query.getColumn(8).getInt64()},
        {"shipping_address", json::parse(query.getColumn(9).getString())},
        {"created_at", query.getColumn(10).getString()},
        {"updated_at", query.getColumn(11).getString()},
    };
    shipment["history"] = store::history_entries(query.getColumn(12).getText());
    query.reset();
    return shipment;
}

json::array Shipments::shipments(UnitOfWork& unit_of_work, const CollectionQuery& asked) const {
    auto& query = unit_of_work.statements().get(
        "SELECT id FROM shipment WHERE (?1 = '' OR order_id = ?1) AND "
        "(?2 = '' OR customer_id = ?2) AND (?3 = '' OR id < ?3) ORDER BY id DESC LIMIT ?4");
    SQLite::bind(query, asked.filter, asked.customer_id, asked.page.cursor, asked.page.limit);
    json::array items;
    for (const auto& id : store::first_column(query)) {
        items.push_back(*shipment(unit_of_work, ShipmentId{id}));
    }
    return items;
}

}  // namespace shopd::shipping
