#pragma once
// The payment module's rules, free of storage: what a provider's answer makes of a payment,
// and what a refund does to it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <shopd/result.hpp>
#include <shopd/strong_id.hpp>

namespace shopd::payment {

using OrderId = StrongId<struct OrderIdTag>;
using PaymentId = StrongId<struct PaymentIdTag>;

// The payment module's expected failures: the provider's reasons to decline a capture, and
// its refusal to refund one.
enum class errc {
    card_declined,
    insufficient_funds,
    invalid_token,
    expired_card,
    fraud_suspected,
    refund_refused,
};
template <class T>
using result = Result<T, errc>;

// The decline reason as the wire names it.
std::string_view to_string(errc code);

// refund_failed: captured, and the provider refused to give the money back.
enum class PaymentStatus { captured, declined, pending, refunded, voided, refund_failed };
std::string_view to_string(PaymentStatus status);
std::optional<PaymentStatus> parse_payment_status(std::string_view text);

// A provider that did not decline has taken the money, or has not answered yet.
enum class CaptureState { captured, pending };
struct Capture {
    CaptureState state = CaptureState::captured;
    std::string reference = {};  // the provider's name for the charge, which a refund names
    // Pending: the provider answers with a capture after this long on the shop clock; zero:
    // it never answers by itself, the order's deadline decides.
    std::chrono::milliseconds settles_in{0};
};

PaymentStatus status_after(const result<Capture>& answer);

struct Refund {
    PaymentStatus next;
    bool gives_money_back = false;  // a capture is paid back; a pending one is only voided
};

// Nothing to refund for a declined payment or one given back already.
std::optional<Refund> refund_of(PaymentStatus status);

// A pending capture the provider settles: captured, or, when it was given up on meanwhile
// (voided), captured and at once refunded.
struct LateCapture {
    PaymentStatus next;
    bool refunds = false;
};
std::optional<LateCapture> settle(PaymentStatus status);

}  // namespace shopd::payment
