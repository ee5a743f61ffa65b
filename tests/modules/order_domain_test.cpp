// The order saga's rules as a pure function: a state and a message in, a decision out.
#include <catch2/catch.hpp>

#include "saga_rules.hpp"

namespace shopd::testing {
using namespace order;
namespace inventory = contracts::inventory;
namespace payment = contracts::payment;
namespace shipping = contracts::shipping;

namespace {

const std::vector<contracts::order::OrderLine> kLines{{"MUG", 2}, {"TEA", 1}};

OrderState placed_order() {
    return start({.id = OrderId{"o-1"},
                  .customer_id = "c-1",
                  .currency = "EUR",
                  .total_cents = 2999,
                  .payment_token = "tok_ok",
                  .address = {"Ada", "1 Road", {}, "Town", "1000", "BE"}},
                 kLines)
        .state;
}

// The type names of a decision's messages, in the order they are sent.
std::vector<std::string_view> sent(const Decision& decision) {
    std::vector<std::string_view> names;
    for (const auto& message : decision.messages) {
        names.push_back(std::visit([](const auto& m) { return m.type_name; }, message));
    }
    return names;
}

std::vector<std::string> recorded(const Decision& decision) {
    std::vector<std::string> events;
    for (const auto& entry : decision.timeline) {
        events.push_back(entry.event);
    }
    return events;
}

// An order that has been through `events`, each decided on the state the last one left.
OrderState after(OrderState state, const std::vector<SagaEvent>& events) {
    for (const auto& event : events) {
        state = decide(std::move(state), event).state;
    }
    return state;
}

const inventory::StockReserved kReserved{
    "o-1", {{"MUG", 2, 1000, 300}, {"TEA", 1, 999, 100}}, 2999, "EUR", "2026-01-01T00:15:00Z"};
const payment::PaymentCaptured kCaptured{"o-1", "p-1", 2999, "EUR"};
const shipping::ShipmentCreated kCreated{"o-1", "s-1", "shopd", "SH000000000042", 499, "EUR"};

}  // namespace

TEST_CASE("a new order asks for its stock and starts the step's deadline", "[order]") {
    const auto decision = start({.id = OrderId{"o-1"}, .customer_id = "c-1"}, kLines);
    CHECK(sent(decision) ==
          std::vector<std::string_view>{"order.placed", "inventory.reserve_stock"});
    CHECK(decision.state.step == Step::reserving);
    CHECK(decision.state.was_asked(Step::reserving));
    CHECK(decision.deadline == DeadlineChange::restart);
    CHECK(recorded(decision) == std::vector<std::string>{"status: pending"});
}

TEST_CASE("each answer that succeeds asks for the next step until the order is confirmed",
          "[order]") {
    auto decision = decide(placed_order(), kReserved);
    CHECK(sent(decision) == std::vector<std::string_view>{"payment.capture_payment"});
    CHECK(decision.state.step == Step::paying);
    CHECK(decision.state.weight_grams == 2 * 300 + 100);
    CHECK(decision.repriced_lines.size() == 2);

    decision = decide(decision.state, kCaptured);
    CHECK(sent(decision) == std::vector<std::string_view>{"shipping.create_shipment"});
    CHECK(decision.state.payment_id == PaymentId{"p-1"});

    decision = decide(decision.state, kCreated);
    CHECK(sent(decision) ==
          std::vector<std::string_view>{"inventory.commit_stock", "order.confirmed"});
    CHECK(decision.state.status == Status::confirmed);
    CHECK(decision.state.step == Step::settled);
    CHECK(decision.deadline == DeadlineChange::clear);
    CHECK(decision.state.tracking_number == "SH000000000042");
}

TEST_CASE("a declined payment gives the stock back and cancels the order", "[order]") {
    const auto paying = after(placed_order(), {kReserved});
    const auto decision = decide(paying, payment::PaymentDeclined{"o-1", "p-1", "card_declined"});
    CHECK(sent(decision) ==
          std::vector<std::string_view>{"inventory.release_stock", "order.cancelled"});
    CHECK(decision.state.status == Status::cancelled);
    CHECK(decision.state.cancel_reason == CancelReason::payment_declined);
}

TEST_CASE("a cancel once a shipment was asked for waits for shipping before it refunds",
          "[order]") {
    const auto shipping_step = after(placed_order(), {kReserved, kCaptured});
    auto decision = decide(shipping_step, DeadlinePassed{});
    CHECK(sent(decision) == std::vector<std::string_view>{"shipping.cancel_shipment"});
    CHECK(decision.state.status == Status::pending);
    CHECK(decision.state.cancel_requested == CancelReason::timeout);
    CHECK(recorded(decision) == std::vector<std::string>{"deadline", "cancel requested"});

    SECTION("the shipment is cancelled: the money and then the stock go back, newest first") {
        decision = decide(decision.state, shipping::ShipmentCancelled{"o-1", "s-1"});
        CHECK(sent(decision) == std::vector<std::string_view>{"payment.refund_payment",
                                                              "inventory.release_stock",
                                                              "order.cancelled"});
        CHECK(decision.state.cancel_reason == CancelReason::timeout);
        CHECK_FALSE(decision.state.cancelling());
    }
    SECTION("the parcel left first: the order stays with it and nothing is refunded") {
        const auto waiting = after(decision.state, {kCreated});
        decision = decide(
            waiting, shipping::ShipmentCancelRefused{"o-1", "s-1", "SH000000000042", "delivered"});
        CHECK(sent(decision) == std::vector<std::string_view>{"inventory.commit_stock",
                                                              "order.confirmed", "order.shipped",
                                                              "order.delivered"});
        CHECK(decision.state.status == Status::delivered);
    }
}

TEST_CASE("a late answer to a cancelled order changes nothing but the timeline", "[order]") {
    const auto cancelled = after(placed_order(), {CustomerCancel{}});
    REQUIRE(cancelled.status == Status::cancelled);
    const auto decision = decide(cancelled, kReserved);
    CHECK(decision.messages.empty());
    CHECK(decision.state == cancelled);
    CHECK(recorded(decision) == std::vector<std::string>{"inventory.stock_reserved"});
}

TEST_CASE("a lapsed reservation cancels a pending order without releasing it again", "[order]") {
    const auto decision =
        decide(after(placed_order(), {kReserved}), inventory::StockReleased{"o-1", "expired"});
    CHECK(sent(decision) ==
          std::vector<std::string_view>{"payment.refund_payment", "order.cancelled"});
    CHECK(decision.state.cancel_reason == CancelReason::timeout);
}

TEST_CASE("a customer may cancel until the parcel has shipped", "[order]") {
    CHECK(may_cancel(placed_order()).has_value());
    const auto confirmed = after(placed_order(), {kReserved, kCaptured, kCreated});
    CHECK(may_cancel(confirmed).has_value());
    const auto shipped =
        after(confirmed, {shipping::ShipmentDispatched{"o-1", "s-1", "SH000000000042"}});
    REQUIRE(shipped.status == Status::shipped);
    CHECK(may_cancel(shipped).error().code == errc::shipped_already);
    CHECK(may_cancel(after(placed_order(), {CustomerCancel{}})).error().code ==
          errc::already_cancelled);
}

TEST_CASE("an order is priced from the catalog in one currency", "[order]") {
    const auto priced = price(kLines, {CatalogEntry{1000, "EUR"}, CatalogEntry{999, "EUR"}});
    REQUIRE(priced.has_value());
    CHECK(priced->total_cents == 2999);
    CHECK(priced->unit_prices_cents == std::vector<std::int64_t>{1000, 999});

    const auto unknown = price(kLines, {std::nullopt, CatalogEntry{999, "EUR"}});
    CHECK(unknown.error().code == errc::unknown_product);
    CHECK(unknown.error().subjects == std::vector<std::string>{"MUG"});
    const auto mixed = price(kLines, {CatalogEntry{1000, "USD"}, CatalogEntry{999, "EUR"}});
    CHECK(mixed.error().code == errc::mixed_currencies);
    CHECK(mixed.error().subjects == std::vector<std::string>{"EUR", "USD"});
}

TEST_CASE("the saga's steps are undone newest first and only shipping's undo is awaited",
          "[order]") {
    REQUIRE(saga_steps.size() == 3);
    CHECK(saga_steps[0].undone_by == "inventory.release_stock");
    CHECK(saga_steps[2].awaits_undo);
    CHECK(saga_steps[2].fails_on.empty());
    for (const auto status : {Status::pending, Status::confirmed, Status::shipped,
                              Status::delivered, Status::cancelled}) {
        CHECK(parse_status(to_string(status)) == status);
    }
}

}  // namespace shopd::testing
