#include "provider.hpp"

#include <array>
#include <fmt/format.h>
#include <optional>

#include <shopd/whole_number.hpp>

namespace shopd::payment {

namespace {

constexpr std::string_view kRefusesRefunds = "sim_norefund_";

// The number after `prefix` in `token`, within [0, most]; nullopt when there is none.
std::optional<std::int64_t> number_after(std::string_view token, std::string_view prefix,
                                         std::int64_t most) {
    if (!token.starts_with(prefix)) {
        return std::nullopt;
    }
    return whole_number(token.substr(prefix.size()), 0, most);
}

// The reasons a tok_decline_<reason> may name; others decline as invalid_token, so that metric
// labels stay few.
errc decline_named(std::string_view reason) {
    constexpr std::array kReasons{errc::card_declined, errc::insufficient_funds, errc::expired_card,
                                  errc::fraud_suspected};
    for (const auto code : kReasons) {
        if (to_string(code) == reason) {
            return code;
        }
    }
    return errc::invalid_token;
}

}  // namespace

void SimulatedProvider::fail_transiently(const std::string& order_id, int times) {
    std::lock_guard lock(mutex_);
    auto& failures = failed_attempts_[order_id];
    if (failures < times) {
        ++failures;
        throw TransientProviderError(fmt::format(
            "simulated provider unavailable (attempt {} of {} failing)", failures, times));
    }
    failed_attempts_.erase(order_id);
}

result<Capture> SimulatedProvider::capture(const CaptureRequest& request) {
    constexpr std::int64_t kMostFailures = 1000;
    constexpr std::int64_t kLongestDelayMs = 7LL * 24 * 3600 * 1000;
    const std::string_view token = request.token;
    const auto charge = "sim_" + request.order_id;
    if (token == "tok_ok") {
        return Capture{CaptureState::captured, charge};
    }
    if (token == "tok_refund_fail") {
        return Capture{CaptureState::captured, std::string{kRefusesRefunds} + request.order_id};
    }
    if (token == "tok_decline") {
        return failure(errc::card_declined);
    }
    if (token == "tok_insufficient_funds") {
        return failure(errc::insufficient_funds);
    }
    if (token.starts_with("tok_decline_")) {
        return failure(decline_named(token.substr(std::string_view{"tok_decline_"}.size())));
    }
    if (token == "tok_hang") {
        return Capture{CaptureState::pending, charge};
    }
    if (const auto delay = number_after(token, "tok_delay_", kLongestDelayMs)) {
        return *delay == 0
                   ? Capture{CaptureState::captured, charge}
                   : Capture{CaptureState::pending, charge, std::chrono::milliseconds{*delay}};
    }
    const auto failures = token == "tok_error" ? std::optional<std::int64_t>{2}
                                               : number_after(token, "tok_fail_", kMostFailures);
    if (failures) {
        fail_transiently(request.order_id, static_cast<int>(*failures));
        return Capture{CaptureState::captured, charge};
    }
    return failure(errc::invalid_token);
}

result<void> SimulatedProvider::refund(const std::string& reference) {
    if (reference.starts_with(kRefusesRefunds)) {
        return failure(errc::refund_refused);
    }
    return {};
}

void SimulatedProvider::forget() {
    std::lock_guard lock(mutex_);
    failed_attempts_.clear();
}

}  // namespace shopd::payment
