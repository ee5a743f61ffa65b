#pragma once
// Payments in the module's own database: at most one capture per order, refunds of it.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>

#include <shopd/contracts/payment.hpp>
#include <shopd/module.hpp>
#include <shopd/unit_of_work.hpp>

#include "provider.hpp"

namespace shopd::payment {

// What the payments count in /metrics, each child ready from the start.
struct PaymentMetrics {
    telemetry::CounterFamily& captures;  // {outcome, reason}: captured, pending, declined
    telemetry::CounterFamily& refunds;   // {outcome}: refunded, refused
};

class Payments {
  public:
    Payments(std::unique_ptr<PaymentProvider> provider, PaymentMetrics metrics);

    // Asks the provider once per order; a transient provider failure is thrown, so the
    // command is retried.
    void capture(UnitOfWork& unit_of_work, const contracts::payment::CapturePayment& command) const;
    void refund(UnitOfWork& unit_of_work, const contracts::payment::RefundPayment& command) const;
    // The pending captures the provider answers by now: captured, or refunded at once when the
    // order gave up on them meanwhile.
    void settle_due(UnitOfWork& unit_of_work) const;
    // The shop started over.
    void forget() const { provider_->forget(); }

    std::optional<boost::json::object> payment(UnitOfWork& unit_of_work, const PaymentId& id) const;
    // By order and customer (each empty: any), newest first, a page.
    boost::json::array payments(UnitOfWork& unit_of_work, const CollectionQuery& query) const;

  private:
    // Counted once the work commits: a unit of work may run twice.
    void count(UnitOfWork& unit_of_work, telemetry::Counter& counter) const;

    std::unique_ptr<PaymentProvider> provider_;
    PaymentMetrics metrics_;
};

}  // namespace shopd::payment
