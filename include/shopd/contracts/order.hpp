#pragma once
// The published language of the order module: the events of an order's life. (Its commands
// belong to the modules that carry them out.)

#include <boost/describe/class.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include <shopd/message.hpp>

namespace shopd::contracts::order {

// What the messages about an order are about, for every module that writes one: their
// ordering, their Kafka key and their aggregatetype column.
inline AggregateRef order_aggregate(std::string_view order_id) {
    return {"order", order_id};
}

struct OrderLine {
    std::string sku;
    std::int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(OrderLine, (), (sku, quantity))

struct OrderPlaced {
    static constexpr std::string_view type_name = "order.placed";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string customer_id;
    std::vector<OrderLine> lines;
};
BOOST_DESCRIBE_STRUCT(OrderPlaced, (), (order_id, customer_id, lines))

struct OrderConfirmed {
    static constexpr std::string_view type_name = "order.confirmed";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string customer_id;
    std::int64_t total_cents = 0;
    std::string currency;
    std::string tracking_number;
};
BOOST_DESCRIBE_STRUCT(OrderConfirmed, (),
                      (order_id, customer_id, total_cents, currency, tracking_number))

struct OrderShipped {
    static constexpr std::string_view type_name = "order.shipped";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string customer_id;
    std::string tracking_number;
};
BOOST_DESCRIBE_STRUCT(OrderShipped, (), (order_id, customer_id, tracking_number))

struct OrderDelivered {
    static constexpr std::string_view type_name = "order.delivered";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string customer_id;
};
BOOST_DESCRIBE_STRUCT(OrderDelivered, (), (order_id, customer_id))

// reason: out_of_stock, payment_declined, customer_cancelled, timeout.
struct OrderCancelled {
    static constexpr std::string_view type_name = "order.cancelled";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string customer_id;
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(OrderCancelled, (), (order_id, customer_id, reason))

}  // namespace shopd::contracts::order
