// Wiring of the shipping module: schema, messages, the read API and the carrier's stand-in.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <memory>

#include <shopd/module.hpp>
#include <shopd/modules.hpp>

#include "migrations.hpp"
#include "shipments.hpp"
#include "shipping_settings.hpp"

namespace shopd::shipping {
namespace json = boost::json;
using namespace contracts::shipping;

namespace {

// POST /api/shipments/{id}/<step>: the carrier reports a step of the parcel.
void add_carrier_step(ModuleBuilder& builder, std::shared_ptr<const Shipments> shipments,
                      const std::string& name, CarrierStep step) {
    auto& work = builder.work();
    builder.route(
        {http::Method::post,
         "/api/shipments/{id}/" + name,
         http::Body::none,
         {Role::operator_},
         [&work, shipments, step](const http::Request& request, http::Reply reply) {
             work.answer(
                 request, reply, {},
                 [shipments, step, id = ShipmentId{request.param("id")}](UnitOfWork& unit_of_work) {
                     const auto taken = shipments->take(unit_of_work, step, id);
                     if (!taken && taken.error().code == errc::unknown_shipment) {
                         return http::problem(404, "not-found", "Not found",
                                              fmt::format("no shipment '{}'", id.str()));
                     }
                     if (!taken) {
                         return http::problem(409, "shipment-status", "Conflict",
                                              fmt::format("shipment '{}' is not {}", id.str(),
                                                          taken.error().subjects.at(0)));
                     }
                     return http::json_response(200, *shipments->shipment(unit_of_work, id));
                 });
         }});
}

}  // namespace

ModuleDefinition module() {
    return {"shipping",
            [](ModuleBuilder& builder) {
                builder.migrations(migrations());
                builder.publishes<ShipmentCreated>();
                builder.publishes<ShipmentDispatched>();
                builder.publishes<ShipmentDelivered>();
                builder.publishes<ShipmentCancelled>();
                builder.publishes<ShipmentCancelRefused>();

                auto shipments =
                    std::make_shared<const Shipments>(builder.settings<ShippingSettings>());
                builder.subscribe<CreateShipment>(
                    [shipments](UnitOfWork& unit_of_work, const CreateShipment& command) {
                        shipments->create(unit_of_work, command);
                    });
                builder.subscribe<CancelShipment>(
                    [shipments](UnitOfWork& unit_of_work, const CancelShipment& command) {
                        shipments->cancel(unit_of_work, command);
                    });
                builder.collection(
                    {"/api/shipments",
                     "shipment",
                     "order_id",
                     {Role::customer, Role::operator_},
                     [shipments](UnitOfWork& unit_of_work, const std::string& id) {
                         return shipments->shipment(unit_of_work, ShipmentId{id});
                     },
                     [shipments](UnitOfWork& unit_of_work, const CollectionQuery& query) {
                         return shipments->shipments(unit_of_work, query);
                     }});
                add_carrier_step(builder, shipments, "dispatch", CarrierStep::dispatch);
                add_carrier_step(builder, shipments, "deliver", CarrierStep::deliver);
                const auto& settings = builder.settings<ShippingSettings>();
                if (settings.auto_dispatch.count() > 0 || settings.auto_deliver.count() > 0) {
                    builder.every(std::chrono::milliseconds(100), "carrier steps by the clock",
                                  [shipments](UnitOfWork& unit_of_work) {
                                      shipments->take_due_steps(unit_of_work);
                                  });
                }
            },
            shipping_settings()};
}

}  // namespace shopd::shipping
