#pragma once
// Shipments in the module's own database: one per order, its cost, tracking and history.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include <shopd/contracts/shipping.hpp>
#include <shopd/unit_of_work.hpp>

#include "shipping_settings.hpp"

namespace shopd::shipping {

// What a parcel of `weight_grams` costs under `config`: by weight band, or flat.
std::int64_t shipping_cost(const ShippingSettings& config, std::int64_t weight_grams);

class Shipments {
  public:
    explicit Shipments(const ShippingSettings& config) : config_(config) {}

    void create(UnitOfWork& unit_of_work, const contracts::shipping::CreateShipment& command) const;
    void cancel(UnitOfWork& unit_of_work, const contracts::shipping::CancelShipment& command) const;

    // The carrier's steps. dispatch: created -> dispatched; deliver: dispatched -> delivered.
    enum class Step { done, unknown_shipment, wrong_status };
    Step dispatch(UnitOfWork& unit_of_work, const std::string& id) const;
    Step deliver(UnitOfWork& unit_of_work, const std::string& id) const;

    std::optional<boost::json::object> shipment(UnitOfWork& unit_of_work,
                                                const std::string& id) const;
    boost::json::array shipments(UnitOfWork& unit_of_work, const std::string& order_id,
                                 const std::string& before_id, int limit) const;

  private:
    struct Row {
        std::string order_id;
        std::string status;
        std::string tracking_number;
    };
    std::optional<Row> row(UnitOfWork& unit_of_work, const std::string& id) const;
    void set_status(UnitOfWork& unit_of_work, const std::string& id,
                    const std::string& status) const;

    const ShippingSettings& config_;
};

}  // namespace shopd::shipping
