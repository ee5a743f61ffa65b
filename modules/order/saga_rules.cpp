#include "saga_rules.hpp"

#include <fmt/format.h>
#include <set>

namespace shopd::order {
namespace inventory = contracts::inventory;
namespace payment = contracts::payment;
namespace shipping = contracts::shipping;
using namespace contracts::order;

namespace {

constexpr std::array<std::string_view, 5> kStatusNames{"pending", "confirmed", "shipped",
                                                       "delivered", "cancelled"};
constexpr std::array<std::string_view, 4> kStepNames{"reserving", "paying", "shipping", "settled"};
constexpr std::array<std::string_view, 4> kCancelReasonNames{"out_of_stock", "payment_declined",
                                                             "customer_cancelled", "timeout"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names,
                               std::string_view text) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

std::size_t index_of(Step step) {
    return static_cast<std::size_t>(step);
}

// One decision in the making: the state it changes, what it records and sends.
class Deciding {
  public:
    explicit Deciding(OrderState state) { decision_.state = std::move(state); }

    OrderState& state() { return decision_.state; }
    Decision& decision() { return decision_; }

    void record(std::string_view event, std::string detail = {}) {
        decision_.timeline.push_back({std::string{event}, std::move(detail)});
    }
    template <class M>
    void send(M message) {
        decision_.messages.emplace_back(std::move(message));
    }

    // Asks the other module for `step`; its deadline starts.
    void ask(Step step) {
        auto& order = state();
        order.step = step;
        order.asked[index_of(step)] = true;
        decision_.deadline = DeadlineChange::restart;
        const auto& id = order.id.str();
        switch (step) {
            case Step::reserving:
                break;  // asked with the lines when the order starts
            case Step::paying:
                send(payment::CapturePayment{id, order.customer_id, order.total_cents,
                                             order.currency, order.payment_token});
                break;
            case Step::shipping:
                send(shipping::CreateShipment{id, order.customer_id, order.address,
                                              order.weight_grams, order.currency});
                break;
            case Step::settled:
                break;
        }
    }

    // The step the order waited for succeeded: on to the next one, or confirmed after the last.
    void advance() {
        const auto next = index_of(state().step) + 1;
        if (next < saga_steps.size()) {
            ask(saga_steps[next].step);
        } else {
            confirm();
        }
    }

    void confirm() {
        auto& order = state();
        order.status = Status::confirmed;
        order.step = Step::settled;
        decision_.deadline = DeadlineChange::clear;
        record("status: confirmed");
        send(inventory::CommitStock{order.id.str()});
        send(OrderConfirmed{order.id.str(), order.customer_id, order.total_cents, order.currency,
                            order.tracking_number});
    }

    void ship() {
        auto& order = state();
        order.status = Status::shipped;
        record("status: shipped");
        send(OrderShipped{order.id.str(), order.customer_id, order.tracking_number});
    }

    void deliver() {
        auto& order = state();
        order.status = Status::delivered;
        record("status: delivered");
        send(OrderDelivered{order.id.str(), order.customer_id});
    }

    // Undoes what was asked, newest first. An undo that must be answered first is sent alone:
    // nothing is given back before shipping says the parcel has not left, so a dispatch that
    // meets this cancel wins it and the order stays with its parcel (ShipmentCancelRefused).
    void cancel(CancelReason reason) {
        auto& order = state();
        for (auto step = saga_steps.rbegin(); step != saga_steps.rend(); ++step) {
            if (step->awaits_undo && order.was_asked(step->step)) {
                undo(step->step, reason);
                order.cancel_requested = reason;
                decision_.deadline = DeadlineChange::clear;
                record("cancel requested", std::string{to_string(reason)});
                return;
            }
        }
        for (auto step = saga_steps.rbegin(); step != saga_steps.rend(); ++step) {
            if (order.was_asked(step->step)) {
                undo(step->step, reason);
            }
        }
        order.status = Status::cancelled;
        order.cancel_reason = reason;
        order.step = Step::settled;
        order.cancel_requested.reset();
        decision_.deadline = DeadlineChange::clear;
        record("status: cancelled", std::string{to_string(reason)});
        send(OrderCancelled{order.id.str(), order.customer_id, std::string{to_string(reason)}});
    }

    // The other module's effect of `step` is gone by itself: nothing to undo.
    void forget(Step step) { state().asked[index_of(step)] = false; }

  private:
    void undo(Step step, CancelReason reason) {
        const auto& id = state().id.str();
        const std::string why{to_string(reason)};
        switch (step) {
            case Step::reserving:
                send(inventory::ReleaseStock{id, why});
                break;
            case Step::paying:
                send(payment::RefundPayment{id, why});
                break;
            case Step::shipping:
                send(shipping::CancelShipment{id, why});
                break;
            case Step::settled:
                break;
        }
    }

    Decision decision_;
};

// The rules by message, each recording the message first.
struct Rules {
    Deciding& d;

    void operator()(const inventory::StockReserved& event) const {
        d.record(inventory::StockReserved::type_name,
                 fmt::format("{} {}", event.total_cents, event.currency));
        auto& order = d.state();
        if (!order.awaits(Step::reserving)) {
            return;  // cancelled meanwhile: the ReleaseStock behind this gives the stock back
        }
        order.currency = event.currency;
        order.total_cents = event.total_cents;
        order.weight_grams = 0;
        for (const auto& line : event.lines) {
            order.weight_grams += line.weight_grams * line.quantity;
        }
        d.decision().repriced_lines = event.lines;
        d.advance();
    }

    void operator()(const inventory::StockRejected& event) const {
        d.record(inventory::StockRejected::type_name,
                 fmt::format("{} {}", event.reason, event.sku));
        const auto& order = d.state();
        // After confirmation: the sale could not be completed once the reservation had lapsed.
        if (order.awaits(Step::reserving) ||
            (order.status == Status::confirmed && event.reason == "reservation_expired")) {
            d.forget(Step::reserving);  // nothing is held
            d.cancel(CancelReason::out_of_stock);
        }
    }

    void operator()(const inventory::StockReleased& event) const {
        d.record(inventory::StockReleased::type_name, event.reason);
        if (event.reason == "expired" && d.state().status == Status::pending) {
            d.forget(Step::reserving);  // released already
            d.cancel(CancelReason::timeout);
        }
    }

    void operator()(const inventory::StockCommitted&) const {
        d.record(inventory::StockCommitted::type_name);
    }

    void operator()(const payment::PaymentCaptured& event) const {
        d.record(payment::PaymentCaptured::type_name,
                 fmt::format("{} {}", event.amount_cents, event.currency));
        d.state().payment_id = PaymentId{event.payment_id};
        if (d.state().awaits(Step::paying)) {
            d.advance();
        }  // else cancelled meanwhile: the RefundPayment behind this gives the money back
    }

    void operator()(const payment::PaymentDeclined& event) const {
        d.record(payment::PaymentDeclined::type_name, event.reason);
        d.state().payment_id = PaymentId{event.payment_id};
        if (d.state().awaits(Step::paying)) {
            d.forget(Step::paying);  // nothing was taken
            d.cancel(CancelReason::payment_declined);
        }
    }

    void operator()(const payment::PaymentRefunded& event) const {
        d.record(payment::PaymentRefunded::type_name,
                 fmt::format("{} {}", event.amount_cents, event.currency));
    }

    void operator()(const shipping::ShipmentCreated& event) const {
        d.record(shipping::ShipmentCreated::type_name, event.tracking_number);
        auto& order = d.state();
        order.shipment_id = ShipmentId{event.shipment_id};
        order.tracking_number = event.tracking_number;
        if (order.awaits(Step::shipping)) {
            d.advance();
        }  // else cancelled meanwhile: the CancelShipment behind this cancels it
    }

    void operator()(const shipping::ShipmentDispatched&) const {
        d.record(shipping::ShipmentDispatched::type_name);
        if (d.state().status == Status::confirmed) {
            d.ship();
        }
    }

    void operator()(const shipping::ShipmentDelivered&) const {
        d.record(shipping::ShipmentDelivered::type_name);
        if (d.state().status == Status::shipped) {
            d.deliver();
        }
    }

    void operator()(const shipping::ShipmentCancelled&) const {
        d.record(shipping::ShipmentCancelled::type_name);
        if (const auto reason = d.state().cancel_requested) {
            d.forget(Step::shipping);  // the parcel will not leave: the rest is given back
            d.state().cancel_requested.reset();
            d.cancel(*reason);
        }
    }

    void operator()(const shipping::ShipmentCancelRefused& event) const {
        d.record(shipping::ShipmentCancelRefused::type_name, event.status);
        auto& order = d.state();
        if (!order.cancelling()) {
            return;
        }
        order.cancel_requested.reset();
        order.tracking_number = event.tracking_number;
        d.record("cancel refused", fmt::format("the parcel was {} first", event.status));
        // The order goes on with its parcel from where the cancel stopped it: the answers it set
        // aside while cancelling are taken now.
        if (order.status == Status::pending) {
            d.confirm();
        }
        if (order.status == Status::confirmed) {
            d.ship();
        }
        if (order.status == Status::shipped && event.status == "delivered") {
            d.deliver();
        }
    }

    void operator()(const CustomerCancel&) const {
        if (may_cancel(d.state()) && !d.state().cancelling()) {
            d.cancel(CancelReason::customer_cancelled);
        }
    }

    void operator()(const DeadlinePassed&) const {
        d.record("deadline", fmt::format("no answer while {}", to_string(d.state().step)));
        d.cancel(CancelReason::timeout);
    }
};

}  // namespace

std::string_view to_string(Status status) {
    return kStatusNames.at(static_cast<std::size_t>(status));
}

std::string_view to_string(Step step) {
    return kStepNames.at(index_of(step));
}

std::string_view to_string(CancelReason reason) {
    return kCancelReasonNames.at(static_cast<std::size_t>(reason));
}

std::optional<Status> parse_status(std::string_view text) {
    return parse_name<Status>(kStatusNames, text);
}

std::optional<Step> parse_step(std::string_view text) {
    return parse_name<Step>(kStepNames, text);
}

std::optional<CancelReason> parse_cancel_reason(std::string_view text) {
    return parse_name<CancelReason>(kCancelReasonNames, text);
}

bool OrderState::was_asked(Step asked_step) const {
    return asked_step != Step::settled && asked[index_of(asked_step)];
}

result<PricedOrder> price(const std::vector<OrderLine>& lines,
                          const std::vector<std::optional<CatalogEntry>>& entries) {
    PricedOrder priced;
    std::vector<std::string> unknown;
    std::set<std::string> currencies;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& entry = entries.at(i);
        if (!entry) {
            unknown.push_back(lines[i].sku);
            continue;
        }
        priced.unit_prices_cents.push_back(entry->price_cents);
        priced.total_cents += entry->price_cents * lines[i].quantity;
        priced.currency = entry->currency;
        currencies.insert(entry->currency);
    }
    if (!unknown.empty()) {
        return failure(errc::unknown_product, std::move(unknown));
    }
    if (currencies.size() > 1) {
        return failure(errc::mixed_currencies, {currencies.begin(), currencies.end()});
    }
    return priced;
}

Decision start(OrderState state, const std::vector<OrderLine>& lines) {
    Deciding d{std::move(state)};
    auto& order = d.state();
    d.record("status: pending");
    d.send(OrderPlaced{order.id.str(), order.customer_id, lines});
    std::vector<inventory::RequestedLine> requested;
    requested.reserve(lines.size());
    for (const auto& line : lines) {
        requested.push_back({line.sku, line.quantity});
    }
    d.ask(Step::reserving);
    d.send(inventory::ReserveStock{order.id.str(), std::move(requested)});
    return std::move(d.decision());
}

result<void> may_cancel(const OrderState& state) {
    if (state.status == Status::cancelled) {
        return failure(errc::already_cancelled, {state.id.str()});
    }
    if (state.status == Status::shipped || state.status == Status::delivered) {
        return failure(errc::shipped_already, {state.id.str()});
    }
    return {};
}

Decision decide(OrderState state, const SagaEvent& event) {
    Deciding d{std::move(state)};
    std::visit(Rules{d}, event);
    return std::move(d.decision());
}

}  // namespace shopd::order
