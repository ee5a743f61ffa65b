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
#include "reservation_plan.hpp"

namespace shopd::inventory {

struct NewProduct {
    std::string sku;
    std::string name;
    std::int64_t price_cents = 0;
    std::string currency;
    std::int64_t stock = 0;
    std::int64_t weight_grams = 0;
};

class Stock {
  public:
    explicit Stock(const InventorySettings& config) : config_(config) {}

    // Refused as sku_taken when the SKU exists already.
    result<void> add_product(UnitOfWork& unit_of_work, const NewProduct& product) const;
    std::optional<boost::json::object> product(UnitOfWork& unit_of_work, const Sku& sku) const;
    // Up to `limit` products with a SKU after `after`, in SKU order.
    boost::json::array products(UnitOfWork& unit_of_work, const std::string& after,
                                int limit) const;

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
