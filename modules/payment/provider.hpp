#pragma once
// The payment provider seam, and the built-in simulated provider that answers by token:
//   tok_ok                      captures
//   tok_decline                 declines (card_declined)
//   tok_insufficient_funds      declines (insufficient_funds)
//   tok_decline_<reason>        declines with card_declined, insufficient_funds, expired_card or
//                               fraud_suspected; any other reason is invalid_token
//   tok_error                   fails transiently twice per order, then captures
//   tok_fail_<n>                fails transiently n times per order, then captures
//   tok_delay_<ms>              captures <ms> later on the shop clock
//   tok_hang                    never answers
//   tok_refund_fail             captures, then refuses every refund
// Any other token is declined as invalid_token. A decline is an expected failure; a transient
// one is thrown, so the command is retried.

#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "payment_rules.hpp"

namespace shopd::payment {

struct CaptureRequest {
    std::string order_id;  // the idempotency key
    std::int64_t amount_cents = 0;
    std::string currency;
    std::string token;
};

// The provider could not be reached or failed; the same request may succeed later.
class TransientProviderError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class PaymentProvider {
  public:
    virtual ~PaymentProvider() = default;
    virtual result<Capture> capture(const CaptureRequest& request) = 0;
    // Gives back the charge `reference` of a capture; refund_refused when the provider will not.
    virtual result<void> refund(const std::string& reference) = 0;
    // The shop started over: what the provider counts per order is forgotten.
    virtual void forget() {}
};

class SimulatedProvider : public PaymentProvider {
  public:
    result<Capture> capture(const CaptureRequest& request) override;
    result<void> refund(const std::string& reference) override;
    void forget() override;

  private:
    // Throws until `order_id` failed `times` times.
    void fail_transiently(const std::string& order_id, int times);

    std::mutex mutex_;
    std::map<std::string, int> failed_attempts_;  // by order, for tok_error and tok_fail_<n>
};

}  // namespace shopd::payment
