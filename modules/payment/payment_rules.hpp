#pragma once
// The payment module's rules, free of storage: what a provider's answer makes of a payment,
// and what a refund does to it.

#include <optional>
#include <string_view>

#include <shopd/result.hpp>
#include <shopd/strong_id.hpp>

namespace shopd::payment {

using OrderId = StrongId<struct OrderIdTag>;
using PaymentId = StrongId<struct PaymentIdTag>;

// The payment module's expected failures: the provider's reasons to decline.
enum class errc { card_declined, insufficient_funds, invalid_token };
template <class T>
using result = Result<T, errc>;

// The decline reason as the wire names it.
std::string_view to_string(errc code);

enum class PaymentStatus { captured, declined, pending, refunded, voided };
std::string_view to_string(PaymentStatus status);
std::optional<PaymentStatus> parse_payment_status(std::string_view text);

// A provider that did not decline has taken the money, or has not answered yet.
enum class Capture { captured, pending };

PaymentStatus status_after(const result<Capture>& answer);

struct Refund {
    PaymentStatus next;
    bool gives_money_back = false;  // a capture is paid back; a pending one is only voided
};

// Nothing to refund for a declined payment or one given back already.
std::optional<Refund> refund_of(PaymentStatus status);

}  // namespace shopd::payment
