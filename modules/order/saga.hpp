#pragma once
// The order saga's repository: it loads an order's state, lets the rules (saga_rules.hpp)
// decide, and applies the decision inside the handler's unit of work: the row, the timeline
// and the messages, all or nothing.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include <shopd/metrics.hpp>
#include <shopd/unit_of_work.hpp>

#include "order_settings.hpp"
#include "order_streams.hpp"
#include "saga_rules.hpp"

namespace shopd::order {

struct PlaceOrder {
    std::string customer_id;
    std::vector<contracts::order::OrderLine> lines;
    contracts::shipping::Address address;
    std::string payment_token;
    std::string placed_by = {};  // the kiosk that placed it; empty: the customer or an operator
};

struct OrderFilter {
    std::string customer_id;       // empty: any
    std::optional<Status> status;  // none: any
    std::string before_id;         // the cursor: orders older than this one
    int limit = 50;
    std::string placed_by = {};               // empty: any
    std::optional<CancelReason> reason = {};  // none: any
    // Only orders still pending past half their step's deadline: stuck, or about to be.
    bool stuck = false;
};

// What the saga counts in /metrics, each child ready from the start.
struct SagaMetrics {
    telemetry::CounterFamily& placed;         // shopd_orders_placed_total
    telemetry::CounterFamily& ended;          // {status, reason}: delivered, or cancelled
    telemetry::HistogramFamily& saga;         // {outcome}: placed until confirmed or cancelled
    telemetry::HistogramFamily& to_delivery;  // placed until delivered
};

class Saga {
  public:
    // `streams` are told of each change of an order they follow, once it is committed.
    Saga(const OrderSettings& config, SagaMetrics metrics, OrderStreams& streams);

    void catalogue(UnitOfWork& unit_of_work,
                   const contracts::inventory::ProductPriced& product) const;

    result<OrderId> place(UnitOfWork& unit_of_work, const PlaceOrder& request) const;
    // The order's status after the cancel: cancelled, or still pending while shipping is asked
    // to stop the parcel first.
    result<OrderState> cancel_by_customer(UnitOfWork& unit_of_work, const OrderId& order_id) const;
    // Cancels every order whose step is overdue; returns how many.
    int time_out_overdue(UnitOfWork& unit_of_work) const;

    // A message about an order moves it on.
    void on(UnitOfWork& unit_of_work, const std::string& order_id, const SagaEvent& event) const;

    std::optional<boost::json::object> order(UnitOfWork& unit_of_work,
                                             const OrderId& order_id) const;
    boost::json::array orders(UnitOfWork& unit_of_work, const OrderFilter& filter) const;

  private:
    std::optional<OrderState> find(UnitOfWork& unit_of_work, const OrderId& order_id) const;
    void apply(UnitOfWork& unit_of_work, const OrderState& before, const Decision& decision) const;
    // Counts an order's move to `status` once the work commits.
    void count(UnitOfWork& unit_of_work, const OrderState& order) const;

    const OrderSettings& config_;
    SagaMetrics metrics_;
    OrderStreams& streams_;
};

}  // namespace shopd::order
