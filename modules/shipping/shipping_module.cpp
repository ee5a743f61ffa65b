// Wiring of the shipping module: schema, messages, the read API and the carrier's stand-in.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <memory>

#include <shopd/modules.hpp>

#include "app/module_builder.hpp"
#include "migrations.hpp"
#include "shipments.hpp"

namespace shopd::shipping {
namespace json = boost::json;
using namespace contracts::shipping;

namespace {

using StepFunction = Shipments::Step (Shipments::*)(bus::UnitOfWork&, const std::string&) const;

// POST /api/shipments/{id}/<step>: the carrier reports a step of the parcel.
void add_carrier_step(ModuleBuilder& builder, std::shared_ptr<const Shipments> shipments,
                      const std::string& step, StepFunction apply, const std::string& from) {
    auto& runtime = builder.runtime();
    builder.route(
        http::Method::post, "/api/shipments/{id}/" + step, http::Body::none,
        [&runtime, shipments, apply, from](const http::Request& request, http::Reply reply) {
            answer_from(
                runtime, request, reply, {},
                [shipments, apply, from, id = request.param("id")](bus::UnitOfWork& unit_of_work) {
                    switch (((*shipments).*apply)(unit_of_work, id)) {
                        case Shipments::Step::unknown_shipment:
                            return http::problem(404, "not-found", "Not found",
                                                 fmt::format("no shipment '{}'", id));
                        case Shipments::Step::wrong_status:
                            return http::problem(409, "shipment-status", "Conflict",
                                                 fmt::format("shipment '{}' is not {}", id, from));
                        case Shipments::Step::done:
                            break;
                    }
                    return http::json_response(200, *shipments->shipment(unit_of_work, id));
                });
        });
}

}  // namespace

ModuleDefinition module() {
    return {
        "shipping", [](ModuleBuilder& builder) {
            builder.migrations(migrations());
            builder.publishes<ShipmentCreated>();
            builder.publishes<ShipmentDispatched>();
            builder.publishes<ShipmentDelivered>();
            builder.publishes<ShipmentCancelled>();
            builder.publishes<ShipmentCancelRefused>();

            auto shipments = std::make_shared<const Shipments>(builder.config().shipping);
            builder.subscribe<CreateShipment>(
                [shipments](bus::UnitOfWork& unit_of_work, const CreateShipment& command) {
                    shipments->create(unit_of_work, command);
                });
            builder.subscribe<CancelShipment>(
                [shipments](bus::UnitOfWork& unit_of_work, const CancelShipment& command) {
                    shipments->cancel(unit_of_work, command);
                });
            builder.collection({"/api/shipments", "shipment", "order_id",
                                [shipments](bus::UnitOfWork& unit_of_work, const std::string& id) {
                                    return shipments->shipment(unit_of_work, id);
                                },
                                [shipments](bus::UnitOfWork& unit_of_work,
                                            const std::string& order_id, const http::Page& page) {
                                    return shipments->shipments(unit_of_work, order_id, page.cursor,
                                                                page.limit);
                                }});
            add_carrier_step(builder, shipments, "dispatch", &Shipments::dispatch, "created");
            add_carrier_step(builder, shipments, "deliver", &Shipments::deliver, "dispatched");
        }};
}

}  // namespace shopd::shipping
