// Envelopes as they arrive from storage or, later, from Kafka: envelope_from_json refuses
// anything malformed with std::invalid_argument, a decoded envelope survives a round trip,
// and its payload either decodes as the message its type names or fails with an exception
// the bus parks; never a crash.
#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>
#include <tuple>

#include <shopd/contracts/inventory.hpp>
#include <shopd/contracts/notification.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/contracts/payment.hpp>
#include <shopd/contracts/shipping.hpp>
#include <shopd/envelope.hpp>

#include "bus/message_bus.hpp"
#include "fuzz_support.hpp"

namespace {
namespace c = shopd::contracts;

using PublishedMessages = std::tuple<
    c::inventory::ReserveStock, c::inventory::ReleaseStock, c::inventory::CommitStock,
    c::inventory::StockReserved, c::inventory::StockRejected, c::inventory::StockReleased,
    c::inventory::StockCommitted, c::inventory::ProductPriced, c::inventory::LowStock,
    c::notification::NotificationSent, c::notification::NotificationFailed, c::order::OrderPlaced,
    c::order::OrderConfirmed, c::order::OrderShipped, c::order::OrderDelivered,
    c::order::OrderCancelled, c::payment::CapturePayment, c::payment::RefundPayment,
    c::payment::PaymentCaptured, c::payment::PaymentDeclined, c::payment::PaymentRefunded,
    c::shipping::CreateShipment, c::shipping::CancelShipment, c::shipping::ShipmentCreated,
    c::shipping::ShipmentDispatched, c::shipping::ShipmentDelivered, c::shipping::ShipmentCancelled,
    c::shipping::ShipmentCancelRefused>;

// Decodes the payload as the message named by the envelope's type, as a subscriber would, and
// checks that what decoded encodes back to a payload that decodes the same.
template <typename M>
void decode_if_named(const shopd::Envelope& envelope) {
    if (envelope.type != M::type_name) {
        return;
    }
    try {
        const auto encoded = boost::json::value_from(shopd::decode_payload<M>(envelope));
        auto again = envelope;
        again.version = M::version;
        again.payload = boost::json::serialize(encoded);
        shopd::fuzz::require(boost::json::value_from(shopd::decode_payload<M>(again)) == encoded,
                             "a decoded message re-encodes to itself");
    } catch (const std::exception&) {
        // Refused: the bus records the reason and parks the message.
    }
}

// Boost.JSON 1.81 reads a decimal into a nearby double, not always the nearest, so a number
// with a fraction or an exponent may change in its last digit on a round trip. shopd's
// messages hold none (money is in cents); the round trip is exact for everything else.
bool holds_double(const boost::json::value& value) {
    if (value.is_double()) {
        return true;
    }
    if (const auto* array = value.if_array()) {
        return std::any_of(array->begin(), array->end(), holds_double);
    }
    if (const auto* object = value.if_object()) {
        return std::any_of(object->begin(), object->end(),
                           [](const auto& member) { return holds_double(member.value()); });
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace shopd;
    boost::system::error_code error;
    const auto json = boost::json::parse(fuzz::text_of(data, size), error);
    if (error) {
        return 0;
    }
    Envelope envelope;
    try {
        envelope = envelope_from_json(json);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    if (!holds_double(json.at("payload"))) {
        fuzz::require(envelope_from_json(envelope_to_json(envelope)) == envelope,
                      "an accepted envelope survives a round trip");
    }
    std::apply([&](auto... message) { (decode_if_named<decltype(message)>(envelope), ...); },
               PublishedMessages{});
    return 0;
}
