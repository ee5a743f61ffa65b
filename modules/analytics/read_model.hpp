#pragma once
// The analytics read model in the module's own database: each order's states with the time it
// reached them, its lines, and the money captured and refunded. Written by the handlers of the
// order and payment events, inside their units of work; read by the summary and the series.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <shopd/contracts/order.hpp>
#include <shopd/contracts/payment.hpp>
#include <shopd/unit_of_work.hpp>

#include "period.hpp"

namespace shopd::analytics {

struct Summary {
    std::int64_t orders_placed = 0;
    std::int64_t orders_confirmed = 0;
    std::int64_t orders_delivered = 0;
    std::map<std::string, std::int64_t> orders_cancelled;  // by reason, the usual four always
    struct Revenue {
        std::string currency;
        std::int64_t captured_cents = 0;
        std::int64_t refunded_cents = 0;
    };
    std::vector<Revenue> revenue;  // by currency
    struct Sold {
        std::string sku;
        std::int64_t quantity = 0;
    };
    std::vector<Sold> top_skus;  // confirmed less cancelled after confirmation, most first
    std::optional<std::int64_t> saga_p50_ms;  // placed -> confirmed
    std::optional<std::int64_t> saga_p95_ms;
};

enum class Metric { orders_placed, orders_confirmed, revenue_cents };

class ReadModel {
  public:
    void placed(UnitOfWork& unit_of_work, const contracts::order::OrderPlaced& event) const;
    void confirmed(UnitOfWork& unit_of_work, const contracts::order::OrderConfirmed& event) const;
    void delivered(UnitOfWork& unit_of_work, const contracts::order::OrderDelivered& event) const;
    void cancelled(UnitOfWork& unit_of_work, const contracts::order::OrderCancelled& event) const;
    void captured(UnitOfWork& unit_of_work, const contracts::payment::PaymentCaptured& event) const;
    void refunded(UnitOfWork& unit_of_work, const contracts::payment::PaymentRefunded& event) const;

    // Each count is of the orders that reached that state within `range`.
    Summary summary(UnitOfWork& unit_of_work, const Range& range) const;
    // The currencies money moved in, in order.
    std::vector<std::string> currencies(UnitOfWork& unit_of_work) const;
    // revenue_cents: captured less refunded, in `currency` (empty: any).
    Series series(UnitOfWork& unit_of_work, Metric metric, Bucket bucket, Instant from, Instant to,
                  const std::string& currency) const;
};

}  // namespace shopd::analytics
