#include "provider.hpp"

#include <fmt/format.h>

namespace shopd::payment {

result<Capture> SimulatedProvider::capture(const CaptureRequest& request) {
    if (request.token == "tok_ok") {
        return Capture::captured;
    }
    if (request.token == "tok_decline") {
        return failure(errc::card_declined);
    }
    if (request.token == "tok_insufficient_funds") {
        return failure(errc::insufficient_funds);
    }
    if (request.token == "tok_hang") {
        return Capture::pending;
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
        return Capture::captured;
    }
    return failure(errc::invalid_token);
}

}  // namespace shopd::payment
