#pragma once
// The inventory's effects on its own database, each inside the caller's unit of work.

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <shopd/contracts/inventory.hpp>
#include <shopd/unit_of_work.hpp>

#include "inventory_settings.hpp"
#include "picture.hpp"
#include "reservation_plan.hpp"

namespace shopd::inventory {

struct NewProduct {
    std::string sku;
    std::string name;
    std::int64_t price_cents = 0;
    std::string currency;
    std::int64_t stock = 0;
    std::int64_t weight_grams = 0;
    std::string category = {};
    std::string description = {};
};

// PATCH /api/products/{sku}: what changes; the rest stays.
struct ProductChange {
    std::optional<std::string> name;
    std::optional<std::int64_t> price_cents;
    std::optional<std::string> currency;
    std::optional<std::string> category;
    std::optional<std::string> description;
    std::optional<bool> active;
};

// GET /api/products: which products, after the cursor `after` (a SKU), in SKU order.
struct ProductQuery {
    std::string category;               // empty: any
    std::string search;                 // in the SKU, name or description, any case; empty: any
    std::optional<bool> active = true;  // nullopt: both
    bool low_stock = false;             // only those whose available stock is below the threshold
    std::string after;
    int limit = 50;
};

class Stock {
  public:
    explicit Stock(const InventorySettings& config) : config_(config) {}

    // Refused as sku_taken when the SKU exists already.
    result<void> add_product(UnitOfWork& unit_of_work, const NewProduct& product) const;
    std::optional<boost::json::object> product(UnitOfWork& unit_of_work, const Sku& sku) const;
    boost::json::array products(UnitOfWork& unit_of_work, const ProductQuery& query) const;
    // Refused as unknown_product. A change of name, price or currency is published as
    // ProductPriced, so that orders are priced by it.
    result<void> change(UnitOfWork& unit_of_work, const Sku& sku,
                        const ProductChange& change) const;
    // Refused as unknown_product.
    result<void> set_picture(UnitOfWork& unit_of_work, const Sku& sku,
                             const Picture& picture) const;
    std::optional<Picture> picture(UnitOfWork& unit_of_work, const Sku& sku) const;

    // Refused as unknown_product, or below_reserved when the shelf would hold less than is
    // reserved.
    result<void> adjust(UnitOfWork& unit_of_work, const Sku& sku, std::int64_t delta) const;

    void reserve(UnitOfWork& unit_of_work, const contracts::inventory::ReserveStock& command) const;
    void release(UnitOfWork& unit_of_work, const contracts::inventory::ReleaseStock& command) const;
    void commit(UnitOfWork& unit_of_work, const contracts::inventory::CommitStock& command) const;
    // Releases every reservation whose time is up; returns how many.
    int expire_lapsed(UnitOfWork& unit_of_work) const;

  private:
    // Moves `quantity` of every line of the order's reservation between the stock columns.
    // The lines the reservation of `order_id` holds; none for an order without one.
    std::vector<contracts::inventory::ReservedLine> lines_of(UnitOfWork& unit_of_work,
                                                             const std::string& order_id) const;
    void move_lines(UnitOfWork& unit_of_work, const std::string& order_id,
                    const char* column_update) const;
    // Every change of the shelf stock by hand is recorded: stock can always be accounted for.
    void record_adjustment(UnitOfWork& unit_of_work, const std::string& sku, std::int64_t delta,
                           const std::string& at) const;
    void set_state(UnitOfWork& unit_of_work, const std::string& order_id, const char* state) const;
    std::optional<std::string> state_of(UnitOfWork& unit_of_work,
                                        const std::string& order_id) const;
    void check_low_stock(UnitOfWork& unit_of_work, const std::string& sku,
                         std::int64_t available_before) const;

    const InventorySettings& config_;
};

}  // namespace shopd::inventory
