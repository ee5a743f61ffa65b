#include "payment_rules.hpp"

#include <array>

namespace shopd::payment {

namespace {

constexpr std::array<std::string_view, 6> kStatusNames{"captured", "declined", "pending",
                                                       "refunded", "voided",   "refund_failed"};
constexpr std::array<std::string_view, 6> kFailureNames{"card_declined",   "insufficient_funds",
                                                        "invalid_token",   "expired_card",
                                                        "fraud_suspected", "refund_refused"};

}  // namespace

std::string_view to_string(errc code) {
    return kFailureNames.at(static_cast<std::size_t>(code));
}

std::string_view to_string(PaymentStatus status) {
    return kStatusNames.at(static_cast<std::size_t>(status));
}

std::optional<PaymentStatus> parse_payment_status(std::string_view text) {
    for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
        if (kStatusNames[i] == text) {
            return static_cast<PaymentStatus>(i);
        }
    }
    return std::nullopt;
}

PaymentStatus status_after(const result<Capture>& answer) {
    if (!answer) {
        return PaymentStatus::declined;
    }
    return answer->state == CaptureState::captured ? PaymentStatus::captured
                                                   : PaymentStatus::pending;
}

std::optional<Refund> refund_of(PaymentStatus status) {
    switch (status) {
        case PaymentStatus::captured:
            return Refund{PaymentStatus::refunded, true};
        case PaymentStatus::pending:
            return Refund{PaymentStatus::voided, false};
        case PaymentStatus::declined:
        case PaymentStatus::refunded:
        case PaymentStatus::voided:
        case PaymentStatus::refund_failed:
            break;
    }
    return std::nullopt;
}

std::optional<LateCapture> settle(PaymentStatus status) {
    if (status == PaymentStatus::pending) {
        return LateCapture{PaymentStatus::captured, false};
    }
    if (status == PaymentStatus::voided) {
        return LateCapture{PaymentStatus::refunded, true};
    }
    return std::nullopt;
}

}  // namespace shopd::payment
