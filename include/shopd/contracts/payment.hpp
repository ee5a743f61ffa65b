#pragma once
// The published language of the payment module.

#include <array>
#include <boost/describe/class.hpp>
#include <cstdint>
#include <string>

#include <shopd/message.hpp>

namespace shopd::contracts::payment {

// Capture the order's total once; the order id is the idempotency key. Aggregate: the order.
struct CapturePayment {
    static constexpr std::string_view type_name = "payment.capture_payment";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
    std::string customer_id;
    std::int64_t amount_cents = 0;
    std::string currency;
    std::string payment_token;

    static constexpr std::array<std::string_view, 1> secret_fields{"payment_token"};
};
BOOST_DESCRIBE_STRUCT(CapturePayment, (),
                      (order_id, customer_id, amount_cents, currency, payment_token))

// Give back what was captured for the order; a capture still pending is voided.
struct RefundPayment {
    static constexpr std::string_view type_name = "payment.refund_payment";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(RefundPayment, (), (order_id, reason))

struct PaymentCaptured {
    static constexpr std::string_view type_name = "payment.payment_captured";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string payment_id;
    std::int64_t amount_cents = 0;
    std::string currency;
};
BOOST_DESCRIBE_STRUCT(PaymentCaptured, (), (order_id, payment_id, amount_cents, currency))

// reason: card_declined, insufficient_funds, invalid_token, expired_card, fraud_suspected.
struct PaymentDeclined {
    static constexpr std::string_view type_name = "payment.payment_declined";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string payment_id;
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(PaymentDeclined, (), (order_id, payment_id, reason))

struct PaymentRefunded {
    static constexpr std::string_view type_name = "payment.payment_refunded";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string payment_id;
    std::string customer_id;
    std::int64_t amount_cents = 0;
    std::string currency;
};
BOOST_DESCRIBE_STRUCT(PaymentRefunded, (),
                      (order_id, payment_id, customer_id, amount_cents, currency))

}  // namespace shopd::contracts::payment
