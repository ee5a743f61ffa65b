#pragma once
// The published language of the shipping module.

#include <boost/describe/class.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include <shopd/message.hpp>

namespace shopd::contracts::shipping {

struct Address {
    std::string name;
    std::string line1;
    std::optional<std::string> line2;
    std::string city;
    std::string postal_code;
    std::string country;

    friend bool operator==(const Address&, const Address&) = default;
};
BOOST_DESCRIBE_STRUCT(Address, (), (name, line1, line2, city, postal_code, country))

// Aggregate: the order.
struct CreateShipment {
    static constexpr std::string_view type_name = "shipping.create_shipment";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
    std::string customer_id;
    Address address;
    std::int64_t weight_grams = 0;
    std::string currency;
};
BOOST_DESCRIBE_STRUCT(CreateShipment, (), (order_id, customer_id, address, weight_grams, currency))

// Cancels the order's shipment unless it has left already.
struct CancelShipment {
    static constexpr std::string_view type_name = "shipping.cancel_shipment";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(CancelShipment, (), (order_id, reason))

struct ShipmentCreated {
    static constexpr std::string_view type_name = "shipping.shipment_created";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string shipment_id;
    std::string carrier;
    std::string tracking_number;
    std::int64_t cost_cents = 0;
    std::string currency;
};
BOOST_DESCRIBE_STRUCT(ShipmentCreated, (),
                      (order_id, shipment_id, carrier, tracking_number, cost_cents, currency))

struct ShipmentDispatched {
    static constexpr std::string_view type_name = "shipping.shipment_dispatched";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string shipment_id;
    std::string tracking_number;
};
BOOST_DESCRIBE_STRUCT(ShipmentDispatched, (), (order_id, shipment_id, tracking_number))

struct ShipmentDelivered {
    static constexpr std::string_view type_name = "shipping.shipment_delivered";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string shipment_id;
};
BOOST_DESCRIBE_STRUCT(ShipmentDelivered, (), (order_id, shipment_id))

struct ShipmentCancelled {
    static constexpr std::string_view type_name = "shipping.shipment_cancelled";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string shipment_id;
};
BOOST_DESCRIBE_STRUCT(ShipmentCancelled, (), (order_id, shipment_id))

// The answer to CancelShipment when the parcel has left already: `status` is the shipment's,
// "dispatched" or "delivered". The order then stays with its parcel, and nothing is refunded.
struct ShipmentCancelRefused {
    static constexpr std::string_view type_name = "shipping.shipment_cancel_refused";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string shipment_id;
    std::string tracking_number;
    std::string status;
};
BOOST_DESCRIBE_STRUCT(ShipmentCancelRefused, (), (order_id, shipment_id, tracking_number, status))

}  // namespace shopd::contracts::shipping
