#pragma once
// Shipments in the module's own database: one per order, its cost, tracking and history.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include <shopd/contracts/shipping.hpp>
#include <shopd/module.hpp>
#include <shopd/unit_of_work.hpp>

#include "shipment_rules.hpp"
#include "shipping_settings.hpp"

namespace shopd::shipping {

class Shipments {
  public:
    explicit Shipments(const ShippingSettings& config) : config_(config) {}

    void create(UnitOfWork& unit_of_work, const contracts::shipping::CreateShipment& command) const;
    void cancel(UnitOfWork& unit_of_work, const contracts::shipping::CancelShipment& command) const;

    // The carrier reports a step of the parcel.
    result<void> take(UnitOfWork& unit_of_work, CarrierStep step, const ShipmentId& id) const;
    // The steps shipping.auto_dispatch_ms and auto_deliver_ms make due by now.
    void take_due_steps(UnitOfWork& unit_of_work) const;

    std::optional<boost::json::object> shipment(UnitOfWork& unit_of_work,
                                                const ShipmentId& id) const;
    // By order and customer (each empty: any), newest first, a page.
    boost::json::array shipments(UnitOfWork& unit_of_work, const CollectionQuery& query) const;

  private:
    struct Row {
        ShipmentId id;
        std::string order_id;
        ShipmentStatus status;
        std::string tracking_number;
    };
    std::optional<Row> row(UnitOfWork& unit_of_work, std::string_view column,
                           const std::string& value) const;
    void set_status(UnitOfWork& unit_of_work, const ShipmentId& id, ShipmentStatus status) const;
    // Takes `step` for the shipments `from` for at least `after`.
    void take_due(UnitOfWork& unit_of_work, CarrierStep step, ShipmentStatus from,
                  std::chrono::milliseconds after) const;

    const ShippingSettings& config_;
};

}  // namespace shopd::shipping
