#include "payment_rules.hpp"

#include <array>

namespace shopd::payment {

namespace {

constexpr std::array<std::string_view, 5> kStatusNames{"captured", "declined", "pending",
                                                       "refunded", "voided"};
constexpr std::array<std::string_view, 3> kDeclineReasons{"card_declined", "insufficient_funds",
                                                          "invalid_token"};

}  // namespace

std::string_view to_string(errc code) {
    return kDeclineReasons.at(static_cast<std::size_t>(code));
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
    return *answer == Capture::captured ? PaymentStatus::captured : PaymentStatus::pending;
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
            break;
    }
    return std::nullopt;
}

}  // namespace shopd::payment
