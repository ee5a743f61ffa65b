#include "provider.hpp"

#include <fmt/format.h>

namespace shopd::payment {

ProviderAnswer SimulatedProvider::capture(const CaptureRequest& request) {
    using Outcome = ProviderAnswer::Outcome;
    if (request.token == "tok_ok") {
        return {Outcome::captured, {}};
    }
    if (request.token == "tok_decline") {
        return {Outcome::declined, "card_declined"};
    }
    if (request.token == "tok_insufficient_funds") {
        return {Outcome::declined, "insufficient_funds"};
    }
    if (request.token == "tok_hang") {
        return {Outcome::pending, {}};
    }
    if (request.token == "tok_error") {
        std::lock_guard lock(mutex_);
        auto& failures = failed_attempts_[request.order_id];
        if (failures < 2) {
            ++failures;
            throw TransientProviderError(
                fmt::format("simulated provider unavailable (attempt {})", failures));
        }
        failed_attempts_.erase(request.order_id);
        return {Outcome::captured, {}};
    }
    return {Outcome::declined, "invalid_token"};
}

}  // namespace shopd::payment
