// The modules' rules that need neither HTTP nor a database.
#include <catch2/catch.hpp>

#include <shopd/contracts/inventory.hpp>
#include <shopd/contracts/notification.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/contracts/payment.hpp>
#include <shopd/contracts/shipping.hpp>
#include <shopd/digest.hpp>

#include "payment_rules.hpp"
#include "picture.hpp"
#include "reservation_plan.hpp"
#include "shipment_rules.hpp"
#include "template.hpp"

namespace shopd::testing {
namespace json = boost::json;
using inventory::plan_reservation;
using inventory::ProductStock;

namespace {

std::map<std::string, ProductStock> shelf() {
    return {{"MUG", {"MUG", 1250, "EUR", 300, 5}},
            {"TEA", {"TEA", 499, "EUR", 100, 2}},
            {"HAT", {"HAT", 999, "USD", 200, 9}}};
}

template <class M>
void check_round_trip(const M& message) {
    static_assert(Message<M>);
    const auto json = json::value_from(message);
    CHECK(json::value_from(json::value_to<M>(json)) == json);
}

}  // namespace

TEST_CASE("a reservation takes every line at catalog prices", "[inventory]") {
    const auto plan = plan_reservation({{"MUG", 2}, {"TEA", 2}}, shelf());
    REQUIRE(plan.has_value());
    CHECK(plan->total_cents == 2 * 1250 + 2 * 499);
    CHECK(plan->currency == "EUR");
    REQUIRE(plan->lines.size() == 2);
    CHECK(plan->lines[0].unit_price_cents == 1250);
    CHECK(plan->lines[0].weight_grams == 300);
}

TEST_CASE("a reservation is refused whole when one line cannot be served", "[inventory]") {
    using inventory::errc;
    const auto refusal = [](const std::vector<contracts::inventory::RequestedLine>& lines) {
        const auto plan = plan_reservation(lines, shelf());
        REQUIRE_FALSE(plan.has_value());
        return plan.error();
    };
    CHECK(refusal({{"MUG", 1}, {"TEA", 3}}).code == errc::out_of_stock);
    CHECK(refusal({{"MUG", 1}, {"TEA", 3}}).subjects == std::vector<std::string>{"TEA"});
    CHECK(refusal({{"MUG", 3}, {"MUG", 3}}).code == errc::out_of_stock);
    CHECK(refusal({{"NOPE", 1}}).code == errc::unknown_product);
    CHECK(refusal({{"MUG", 1}, {"HAT", 1}}).code == errc::mixed_currency);
    CHECK(inventory::to_string(refusal({}).code) == "out_of_stock");
}

TEST_CASE(
    "a picture is known by its first bytes, and an SVG only when nothing in it runs or "
    "fetches",
    "[inventory]") {
    using inventory::picture_type;
    CHECK(picture_type(std::string{"\x89PNG\r\n\x1a\n", 8} + "rest") == "image/png");
    CHECK(picture_type("\xff\xd8\xff\xe0 jpeg") == "image/jpeg");
    CHECK(picture_type(std::string{"RIFF\x10\0\0\0WEBPVP8 ", 16}) == "image/webp");
    CHECK(picture_type("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"
                       "<use href=\"#a\"/><text>Click on this</text></svg>") == "image/svg+xml");
    CHECK_FALSE(picture_type("GIF89a"));
    CHECK_FALSE(picture_type("<html><svg></svg></html>"));
    CHECK_FALSE(picture_type("<svg><circle onclick = \"x()\"/></svg>"));
    CHECK_FALSE(picture_type("<svg><SCRIPT>x()</SCRIPT></svg>"));
    CHECK_FALSE(picture_type("<svg><a xlink:href=\"javascript:x()\">a</a></svg>"));
    CHECK_FALSE(picture_type("<svg><image href='https://elsewhere/p.png'/></svg>"));
    CHECK_FALSE(picture_type("<svg><foreignObject></foreignObject></svg>"));
}

TEST_CASE("shipping costs a flat rate, or the band the weight falls in", "[shipping]") {
    shipping::ShippingSettings config;
    config.flat_cost_cents = 499;
    CHECK(shipping::shipping_cost(config, 100'000) == 499);
    config.weight_band_limits_grams = {1000, 5000};
    config.weight_band_costs_cents = {399, 699, 1299};
    CHECK(shipping::shipping_cost(config, 0) == 399);
    CHECK(shipping::shipping_cost(config, 1000) == 399);
    CHECK(shipping::shipping_cost(config, 1001) == 699);
    CHECK(shipping::shipping_cost(config, 5000) == 699);
    CHECK(shipping::shipping_cost(config, 5001) == 1299);
}

TEST_CASE("a parcel is dispatched once created and delivered once dispatched", "[shipping]") {
    using shipping::CarrierStep;
    using shipping::ShipmentStatus;
    CHECK(*shipping::after(CarrierStep::dispatch, ShipmentStatus::created) ==
          ShipmentStatus::dispatched);
    CHECK(*shipping::after(CarrierStep::deliver, ShipmentStatus::dispatched) ==
          ShipmentStatus::delivered);
    const auto early = shipping::after(CarrierStep::deliver, ShipmentStatus::created);
    CHECK(early.error().code == shipping::errc::wrong_status);
    CHECK(early.error().subjects == std::vector<std::string>{"dispatched"});
    CHECK_FALSE(shipping::after(CarrierStep::dispatch, ShipmentStatus::cancelled).has_value());
}

TEST_CASE("a cancel is refused once the parcel has left, and cancels it before", "[shipping]") {
    using shipping::ShipmentStatus;
    CHECK(shipping::answer_cancel(ShipmentStatus::dispatched).refused);
    CHECK(shipping::answer_cancel(ShipmentStatus::delivered).refused);
    const auto created = shipping::answer_cancel(ShipmentStatus::created);
    CHECK_FALSE(created.refused);
    CHECK(created.next == ShipmentStatus::cancelled);
    // Before the shipment exists, or after it was cancelled, the cancel is answered at once.
    CHECK_FALSE(shipping::answer_cancel(std::nullopt).refused);
    CHECK_FALSE(shipping::answer_cancel(ShipmentStatus::cancelled).next.has_value());
}

TEST_CASE("a tracking number is the carrier's initials and twelve digits", "[shipping]") {
    CHECK(shipping::tracking_number("shopd post", 42) == "SH000000000042");
    CHECK(shipping::tracking_number("x-1", 1'000'000'000'007ULL) == "X000000000007");
}

TEST_CASE("a provider's answer makes the payment captured, declined or pending", "[payment]") {
    using payment::Capture;
    using payment::CaptureState;
    using payment::PaymentStatus;
    CHECK(payment::status_after(Capture{CaptureState::captured}) == PaymentStatus::captured);
    CHECK(payment::status_after(Capture{CaptureState::pending}) == PaymentStatus::pending);
    const payment::result<Capture> declined = failure(payment::errc::insufficient_funds);
    CHECK(payment::status_after(declined) == PaymentStatus::declined);
    CHECK(payment::to_string(payment::errc::insufficient_funds) == "insufficient_funds");
}

TEST_CASE("a refund pays back a capture, voids a pending payment and skips the rest", "[payment]") {
    using payment::PaymentStatus;
    const auto captured = payment::refund_of(PaymentStatus::captured);
    REQUIRE(captured);
    CHECK(captured->next == PaymentStatus::refunded);
    CHECK(captured->gives_money_back);
    const auto pending = payment::refund_of(PaymentStatus::pending);
    REQUIRE(pending);
    CHECK(pending->next == PaymentStatus::voided);
    CHECK_FALSE(pending->gives_money_back);
    for (const auto status : {PaymentStatus::declined, PaymentStatus::refunded,
                              PaymentStatus::voided, PaymentStatus::refund_failed}) {
        CHECK_FALSE(payment::refund_of(status).has_value());
        CHECK(payment::parse_payment_status(payment::to_string(status)) == status);
    }
}

TEST_CASE("a late capture captures a pending payment and refunds one given up on", "[payment]") {
    using payment::PaymentStatus;
    const auto pending = payment::settle(PaymentStatus::pending);
    REQUIRE(pending);
    CHECK(pending->next == PaymentStatus::captured);
    CHECK_FALSE(pending->refunds);
    const auto voided = payment::settle(PaymentStatus::voided);
    REQUIRE(voided);
    CHECK(voided->next == PaymentStatus::refunded);
    CHECK(voided->refunds);
    CHECK_FALSE(payment::settle(PaymentStatus::captured).has_value());
}

TEST_CASE("a notification template replaces each name by its value", "[notification]") {
    const std::set<std::string, std::less<>> known{"order_id", "total"};
    const notification::TextTemplate text("Order {{order_id}}: {{ total }}.", known);
    CHECK(text.render({{"order_id", "o-1"}, {"total", "12.50 EUR"}}) == "Order o-1: 12.50 EUR.");
    CHECK(text.render({}) == "Order : .");
    CHECK(notification::TextTemplate("no names", known).render({}) == "no names");
}

TEST_CASE("a template with an unknown name or an open brace is refused", "[notification]") {
    const std::set<std::string, std::less<>> known{"order_id"};
    CHECK_THROWS_WITH(notification::TextTemplate("{{customer}}", known),
                      Catch::Contains("unknown name 'customer'"));
    CHECK_THROWS_WITH(notification::TextTemplate("Order {{order_id", known),
                      Catch::Contains("never closed"));
}

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vector", "[notification]") {
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("SHA-256 matches the FIPS 180-2 test vector", "[auth]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("every published message round-trips through JSON", "[contracts]") {
    namespace inv = contracts::inventory;
    namespace pay = contracts::payment;
    namespace ship = contracts::shipping;
    namespace ord = contracts::order;
    namespace note = contracts::notification;
    check_round_trip(inv::ReserveStock{"o", {{"MUG", 2}}});
    check_round_trip(inv::ReleaseStock{"o", "timeout"});
    check_round_trip(inv::CommitStock{"o"});
    check_round_trip(inv::StockReserved{"o", {{"MUG", 2, 1250, 300}}, 2500, "EUR", "t"});
    check_round_trip(inv::StockRejected{"o", "out_of_stock", "MUG"});
    check_round_trip(inv::StockReleased{"o", "expired", true});
    check_round_trip(inv::StockCommitted{"o"});
    check_round_trip(inv::ProductPriced{"MUG", "Mug", 1250, "EUR"});
    check_round_trip(inv::LowStock{"MUG", 1, 5});
    check_round_trip(pay::CapturePayment{"o", "c", 2500, "EUR", "tok_ok"});
    check_round_trip(pay::RefundPayment{"o", "customer_cancelled"});
    check_round_trip(pay::PaymentCaptured{"o", "p", 2500, "EUR"});
    check_round_trip(pay::PaymentDeclined{"o", "p", "card_declined"});
    check_round_trip(pay::PaymentRefunded{"o", "p", "c", 2500, "EUR"});
    check_round_trip(
        ship::CreateShipment{"o", "c", {"A", "1 Way", "Flat 2", "X", "1", "DE"}, 300, "EUR"});
    check_round_trip(
        ship::CreateShipment{"o", "c", {"A", "1 Way", std::nullopt, "X", "1", "DE"}, 300, "EUR"});
    check_round_trip(ship::CancelShipment{"o", "timeout"});
    check_round_trip(ship::ShipmentCreated{"o", "s", "ShopPost", "SH1", 499, "EUR"});
    check_round_trip(ship::ShipmentDispatched{"o", "s", "SH1"});
    check_round_trip(ship::ShipmentDelivered{"o", "s"});
    check_round_trip(ship::ShipmentCancelled{"o", "s"});
    check_round_trip(ship::ShipmentCancelRefused{"o", "s", "SH1", "dispatched"});
    check_round_trip(ord::OrderPlaced{"o", "c", {{"MUG", 1}}});
    check_round_trip(ord::OrderConfirmed{"o", "c", 2500, "EUR", "SH1"});
    check_round_trip(ord::OrderShipped{"o", "c", "SH1"});
    check_round_trip(ord::OrderDelivered{"o", "c"});
    check_round_trip(ord::OrderCancelled{"o", "c", "timeout"});
    check_round_trip(note::NotificationSent{"n", "o", "c", "confirmed"});
    check_round_trip(note::NotificationFailed{"n", "o", "c", "confirmed", "webhook", "HTTP 500"});
}

}  // namespace shopd::testing
