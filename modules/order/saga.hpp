#pragma once
// The orchestrated order saga (DESIGN.md): the order's state lives in its row, every message
// moves it on inside the handler's unit of work, and a cancellation sends the compensations
// for whatever was asked of the other modules, newest first. A compensation travels behind
// the command it undoes (same aggregate, same subscriber), so it always finds that command's
// effect done.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <shopd/contracts/inventory.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/contracts/payment.hpp>
#include <shopd/contracts/shipping.hpp>
#include <shopd/unit_of_work.hpp>

#include "order_settings.hpp"

namespace shopd::order {

struct PlaceOrder {
    std::string customer_id;
    std::vector<contracts::order::OrderLine> lines;
    contracts::shipping::Address address;
    std::string payment_token;
};

struct OrderFilter {
    std::string customer_id;  // empty: any
    std::string status;       // empty: any
    std::string before_id;    // the cursor: orders older than this one
    int limit = 50;
};

// Why the catalog refuses a new order: lines of products it does not know (their indexes in
// the order), or products priced in more than one currency.
struct CatalogRefusal {
    std::vector<std::size_t> unknown_lines;
    std::set<std::string> currencies;  // more than one when they are mixed
};

// cancelling: the order waits for shipping to cancel its shipment before it gives anything back.
enum class CancelOutcome { cancelled, cancelling, unknown_order, already_cancelled, too_late };

class Saga {
  public:
    explicit Saga(const OrderSettings& config) : config_(config) {}

    void catalogue(UnitOfWork& unit_of_work,
                   const contracts::inventory::ProductPriced& product) const;

    // The new order's id, or why the catalog refuses it.
    std::variant<std::string, CatalogRefusal> place(UnitOfWork& unit_of_work,
                                                    const PlaceOrder& request) const;
    CancelOutcome cancel_by_customer(UnitOfWork& unit_of_work, const std::string& order_id) const;
    // Cancels every order whose step is overdue; returns how many.
    int time_out_overdue(UnitOfWork& unit_of_work) const;

    void on(UnitOfWork& unit_of_work, const contracts::inventory::StockReserved& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::inventory::StockRejected& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::inventory::StockReleased& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::inventory::StockCommitted& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::payment::PaymentCaptured& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::payment::PaymentDeclined& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::payment::PaymentRefunded& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::shipping::ShipmentCreated& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::shipping::ShipmentDispatched& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::shipping::ShipmentDelivered& event) const;
    void on(UnitOfWork& unit_of_work, const contracts::shipping::ShipmentCancelled& event) const;
    void on(UnitOfWork& unit_of_work,
            const contracts::shipping::ShipmentCancelRefused& event) const;

    std::optional<boost::json::object> order(UnitOfWork& unit_of_work,
                                             const std::string& order_id) const;
    boost::json::array orders(UnitOfWork& unit_of_work, const OrderFilter& filter) const;

  private:
    struct State;
    std::optional<State> find(UnitOfWork& unit_of_work, const std::string& order_id) const;
    // As find, for a message about the order: an unknown order is an error.
    State load(UnitOfWork& unit_of_work, const std::string& order_id) const;
    // Cancels the order, or, once a shipment was asked for, asks shipping to cancel it first.
    void cancel(UnitOfWork& unit_of_work, State& state, const std::string& reason) const;
    // Refunds and releases what was asked, and the order is cancelled.
    void compensate(UnitOfWork& unit_of_work, State& state, const std::string& reason) const;
    void confirm(UnitOfWork& unit_of_work, State& state, const std::string& tracking_number) const;
    void ship(UnitOfWork& unit_of_work, State& state, const std::string& tracking_number) const;
    void deliver(UnitOfWork& unit_of_work, State& state) const;
    void record(UnitOfWork& unit_of_work, const std::string& order_id, std::string_view event,
                const std::string& detail = {}) const;
    std::int64_t deadline(const UnitOfWork& unit_of_work) const;

    const OrderSettings& config_;
};

}  // namespace shopd::order
