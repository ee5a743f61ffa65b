#pragma once
// Shipments in the module's own database: one per order, its cost, tracking and history.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include <shopd/config.hpp>
#include <shopd/contracts/shipping.hpp>

#include "bus/unit_of_work.hpp"

namespace shopd::shipping {

// What a parcel of `weight_grams` costs under `config`: by weight band, or flat.
std::int64_t shipping_cost(const ShippingConfig& config, std::int64_t weight_grams);

class Shipments {
  public:
    explicit Shipments(const ShippingConfig& config) : config_(config) {}

    void create(bus::UnitOfWork& unit_of_work,
                const contracts::shipping::CreateShipment& command) const;
    void cancel(bus::UnitOfWork& unit_of_work,
                const contracts::shipping::CancelShipment& command) const;

    // The carrier's steps. dispatch: created -> dispatched; deliver: dispatched -> delivered.
    enum class Step { done, unknown_shipment, wrong_status };
    Step dispatch(bus::UnitOfWork& unit_of_work, const std::string& id) const;
    Step deliver(bus::UnitOfWork& unit_of_work, const std::string& id) const;

    std::optional<boost::json::object> shipment(bus::UnitOfWork& unit_of_work,
                                                const std::string& id) const;
    boost::json::array shipments(bus::UnitOfWork& unit_of_work, const std::string& order_id,
                                 const std::string& before_id, int limit) const;

  private:
    struct Row {
        std::string order_id;
        std::string status;
        std::string tracking_number;
    };
    std::optional<Row> row(bus::UnitOfWork& unit_of_work, const std::string& id) const;
    void set_status(bus::UnitOfWork& unit_of_work, const std::string& id,
                    const std::string& status) const;

    const ShippingConfig& config_;
};

}  // namespace shopd::shipping
