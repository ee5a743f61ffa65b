#pragma once
// The order saga's rules, free of storage and HTTP (DESIGN.md): what an order does on each
// message, as a decision over its typed state. The steps and their compensations are data:
// the rules walk `saga_steps` forward while the answers succeed and backward when an order is
// cancelled, undoing whatever was asked, newest first. A compensation travels behind the
// command it undoes (same aggregate, same subscriber), so it always finds that command's
// effect done.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <shopd/contracts/inventory.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/contracts/payment.hpp>
#include <shopd/contracts/shipping.hpp>
#include <shopd/result.hpp>
#include <shopd/strong_id.hpp>

namespace shopd::order {

using OrderId = StrongId<struct OrderIdTag>;
using Sku = StrongId<struct SkuTag>;
using PaymentId = StrongId<struct PaymentIdTag>;
using ShipmentId = StrongId<struct ShipmentIdTag>;

// The order module's expected failures.
enum class errc {
    unknown_product,   // subjects: the SKUs the catalog does not know
    mixed_currencies,  // subjects: the currencies of the order's products
    unknown_order,
    already_cancelled,
    shipped_already,  // too late to cancel
};
template <class T>
using result = Result<T, errc>;

enum class Status { pending, confirmed, shipped, delivered, cancelled };
// The step waiting for an answer, or settled once nothing is awaited.
enum class Step { reserving, paying, shipping, settled };
enum class CancelReason { out_of_stock, payment_declined, customer_cancelled, timeout };

std::string_view to_string(Status status);
std::string_view to_string(Step step);
std::string_view to_string(CancelReason reason);
std::optional<Status> parse_status(std::string_view text);
std::optional<Step> parse_step(std::string_view text);
std::optional<CancelReason> parse_cancel_reason(std::string_view text);

// One step of the saga: the command that asks another module, the answers that end it, and
// the command that undoes it. An undo that `awaits_undo` must be answered before anything
// else is given back: a parcel may have left.
struct StepDefinition {
    Step step;
    std::string_view asks;
    std::string_view succeeds_on;
    std::string_view fails_on;  // empty: it cannot fail, only time out
    std::string_view undone_by;
    bool awaits_undo = false;
};

inline constexpr std::array<StepDefinition, 3> saga_steps{{
    {Step::reserving, contracts::inventory::ReserveStock::type_name,
     contracts::inventory::StockReserved::type_name, contracts::inventory::StockRejected::type_name,
     contracts::inventory::ReleaseStock::type_name},
    {Step::paying, contracts::payment::CapturePayment::type_name,
     contracts::payment::PaymentCaptured::type_name, contracts::payment::PaymentDeclined::type_name,
     contracts::payment::RefundPayment::type_name},
    {Step::shipping,
     contracts::shipping::CreateShipment::type_name,
     contracts::shipping::ShipmentCreated::type_name,
     {},
     contracts::shipping::CancelShipment::type_name,
     true},
}};

struct OrderState {
    OrderId id = {};
    std::string customer_id = {};
    Status status = Status::pending;
    Step step = Step::reserving;
    std::optional<CancelReason> cancel_reason = {};
    // Set while the order waits for an undo that must be answered first.
    std::optional<CancelReason> cancel_requested = {};
    std::string currency = {};
    std::int64_t total_cents = 0;
    std::int64_t weight_grams = 0;
    std::string payment_token = {};
    contracts::shipping::Address address = {};
    PaymentId payment_id = {};
    ShipmentId shipment_id = {};
    std::string tracking_number = {};
    // The steps asked of other modules, whose effects a cancellation undoes.
    std::array<bool, saga_steps.size()> asked{};

    friend bool operator==(const OrderState&, const OrderState&) = default;

    bool cancelling() const { return cancel_requested.has_value(); }
    bool was_asked(Step asked_step) const;
    // Waiting for the answer of `waiting_step`: anything else is a late or stray answer.
    bool awaits(Step waiting_step) const {
        return status == Status::pending && step == waiting_step && !cancelling();
    }
};

struct CatalogEntry {
    std::int64_t price_cents = 0;
    std::string currency;
};

struct PricedOrder {
    std::vector<std::int64_t> unit_prices_cents;  // by line
    std::int64_t total_cents = 0;
    std::string currency;
};

// Prices an order from the catalog's entries of its lines (none: unknown product); one
// currency per order.
result<PricedOrder> price(const std::vector<contracts::order::OrderLine>& lines,
                          const std::vector<std::optional<CatalogEntry>>& entries);

// Everything an order can meet besides the other modules' answers.
struct CustomerCancel {};
struct DeadlinePassed {};

using SagaEvent =
    std::variant<contracts::inventory::StockReserved, contracts::inventory::StockRejected,
                 contracts::inventory::StockReleased, contracts::inventory::StockCommitted,
                 contracts::payment::PaymentCaptured, contracts::payment::PaymentDeclined,
                 contracts::payment::PaymentRefunded, contracts::shipping::ShipmentCreated,
                 contracts::shipping::ShipmentDispatched, contracts::shipping::ShipmentDelivered,
                 contracts::shipping::ShipmentCancelled, contracts::shipping::ShipmentCancelRefused,
                 CustomerCancel, DeadlinePassed>;

// Every message the saga sends, each about the order.
using SagaMessage =
    std::variant<contracts::order::OrderPlaced, contracts::order::OrderConfirmed,
                 contracts::order::OrderShipped, contracts::order::OrderDelivered,
                 contracts::order::OrderCancelled, contracts::inventory::ReserveStock,
                 contracts::inventory::ReleaseStock, contracts::inventory::CommitStock,
                 contracts::payment::CapturePayment, contracts::payment::RefundPayment,
                 contracts::shipping::CreateShipment, contracts::shipping::CancelShipment>;

struct TimelineEntry {
    std::string event;
    std::string detail;

    friend bool operator==(const TimelineEntry&, const TimelineEntry&) = default;
};

// What happens to the deadline of the step the order waits for.
enum class DeadlineChange { keep, restart, clear };

struct Decision {
    OrderState state;
    std::vector<TimelineEntry> timeline;
    std::vector<SagaMessage> messages;
    DeadlineChange deadline = DeadlineChange::keep;
    // The reservation's prices are the catalog's when stock was reserved: what the order costs.
    std::vector<contracts::inventory::ReservedLine> repriced_lines;
};

// A new order, priced: it asks for the first step.
Decision start(OrderState state, const std::vector<contracts::order::OrderLine>& lines);

// Whether the customer may still cancel; decide(CustomerCancel) then cancels.
result<void> may_cancel(const OrderState& state);

Decision decide(OrderState state, const SagaEvent& event);

}  // namespace shopd::order
