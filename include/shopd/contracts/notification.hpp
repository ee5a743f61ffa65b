#pragma once
// The published language of the notification module.

#include <boost/describe/class.hpp>
#include <string>

#include <shopd/message.hpp>

namespace shopd::contracts::notification {

// Every channel of the notification took it. Aggregate: the order.
struct NotificationSent {
    static constexpr std::string_view type_name = "notification.sent";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string notification_id;
    std::string order_id;
    std::string customer_id;
    std::string kind_name;  // confirmed, cancelled, shipped, delivered, refunded
};
BOOST_DESCRIBE_STRUCT(NotificationSent, (), (notification_id, order_id, customer_id, kind_name))

// A channel gave up on the notification after its retries.
struct NotificationFailed {
    static constexpr std::string_view type_name = "notification.failed";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string notification_id;
    std::string order_id;
    std::string customer_id;
    std::string kind_name;
    std::string channel;
    std::string error;
};
BOOST_DESCRIBE_STRUCT(NotificationFailed, (),
                      (notification_id, order_id, customer_id, kind_name, channel, error))

}  // namespace shopd::contracts::notification
