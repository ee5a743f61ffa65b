#pragma once
// The published language of the inventory module: what it listens to and what it tells.

#include <boost/describe/class.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include <shopd/message.hpp>

namespace shopd::contracts::inventory {

// What the messages about a product of the catalog are about.
inline AggregateRef product_aggregate(std::string_view sku) {
    return {"product", sku};
}

struct RequestedLine {
    std::string sku;
    std::int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(RequestedLine, (), (sku, quantity))

struct ReservedLine {
    std::string sku;
    std::int64_t quantity = 0;
    std::int64_t unit_price_cents = 0;
    std::int64_t weight_grams = 0;
};
BOOST_DESCRIBE_STRUCT(ReservedLine, (), (sku, quantity, unit_price_cents, weight_grams))

// Reserve every line or none, at catalog prices. Aggregate: the order.
struct ReserveStock {
    static constexpr std::string_view type_name = "inventory.reserve_stock";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
    std::vector<RequestedLine> lines;
};
BOOST_DESCRIBE_STRUCT(ReserveStock, (), (order_id, lines))

// Give back what the order holds: a live reservation is released, sold stock is restocked.
struct ReleaseStock {
    static constexpr std::string_view type_name = "inventory.release_stock";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(ReleaseStock, (), (order_id, reason))

// The reservation becomes a sale: reserved -> sold.
struct CommitStock {
    static constexpr std::string_view type_name = "inventory.commit_stock";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;

    std::string order_id;
};
BOOST_DESCRIBE_STRUCT(CommitStock, (), (order_id))

struct StockReserved {
    static constexpr std::string_view type_name = "inventory.stock_reserved";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::vector<ReservedLine> lines;
    std::int64_t total_cents = 0;
    std::string currency;
    std::string expires_at;
};
BOOST_DESCRIBE_STRUCT(StockReserved, (), (order_id, lines, total_cents, currency, expires_at))

// Nothing was reserved. reason: out_of_stock, unknown_product, mixed_currency,
// reservation_expired (a commit came after the reservation had lapsed and stock was gone).
struct StockRejected {
    static constexpr std::string_view type_name = "inventory.stock_rejected";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string reason;
    std::string sku;  // the line that could not be served
};
BOOST_DESCRIBE_STRUCT(StockRejected, (), (order_id, reason, sku))

// reason: the ReleaseStock reason, or "expired" when the reservation lapsed by itself.
struct StockReleased {
    static constexpr std::string_view type_name = "inventory.stock_released";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
    std::string reason;
    bool restocked = false;  // sold stock went back on the shelf
};
BOOST_DESCRIBE_STRUCT(StockReleased, (), (order_id, reason, restocked))

struct StockCommitted {
    static constexpr std::string_view type_name = "inventory.stock_committed";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string order_id;
};
BOOST_DESCRIBE_STRUCT(StockCommitted, (), (order_id))

// A product's price became known or changed. Aggregate: the product.
struct ProductPriced {
    static constexpr std::string_view type_name = "inventory.product_priced";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string sku;
    std::string name;
    std::int64_t price_cents = 0;
    std::string currency;
};
BOOST_DESCRIBE_STRUCT(ProductPriced, (), (sku, name, price_cents, currency))

// Available stock of a product fell below the configured threshold. Aggregate: the product.
struct LowStock {
    static constexpr std::string_view type_name = "inventory.low_stock";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string sku;
    std::int64_t available = 0;
    std::int64_t threshold = 0;
};
BOOST_DESCRIBE_STRUCT(LowStock, (), (sku, available, threshold))

}  // namespace shopd::contracts::inventory
