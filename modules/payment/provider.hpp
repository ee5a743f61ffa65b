#pragma once
// The payment provider seam, and the built-in simulated provider that answers by token:
//   tok_ok                   captures
//   tok_decline              declines (card_declined)
//   tok_insufficient_funds   declines (insufficient_funds)
//   tok_error                fails transiently twice per order, then captures
//   tok_hang                 never answers
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
};

class SimulatedProvider : public PaymentProvider {
  public:
    result<Capture> capture(const CaptureRequest& request) override;

  private:
    std::mutex mutex_;
    std::map<std::string, int> failed_attempts_;  // by order, for tok_error
};

}  // namespace shopd::payment
