// Wiring of the order module: schema, messages, the HTTP API and the saga's deadlines.
#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>

#include <shopd/module.hpp>
#include <shopd/modules.hpp>

#include "migrations.hpp"
#include "order_request.hpp"
#include "order_settings.hpp"
#include "saga.hpp"

namespace shopd::order {
namespace json = boost::json;
namespace inventory = contracts::inventory;
namespace payment = contracts::payment;
namespace shipping = contracts::shipping;
using http::Method;
using namespace contracts::order;

namespace {

// Who reads orders: a customer its own, a kiosk those it placed.
const Roles kOrderReaders{Role::customer, Role::kiosk, Role::operator_};

bool visible_to(const Caller& caller, const json::object& order) {
    const auto* placed_by = order.if_contains("placed_by");
    return caller.owns(order.at("customer_id").as_string(),
                       placed_by && placed_by->is_string()
                           ? std::string_view{placed_by->as_string()}
                           : std::string_view{});
}

http::Response no_order(const std::string& id) {
    return http::problem(404, "not-found", "Not found", fmt::format("no order '{}'", id));
}

// A customer orders for itself: the body's customer_id is its own or absent.
std::optional<json::object> order_body(const http::Request& request, const http::Reply& reply) {
    auto body = request.json.as_object();
    const auto& caller = request.caller;
    if (caller.role != Role::customer) {
        return body;
    }
    if (const auto* named = body.if_contains("customer_id");
        named && !(named->is_string() && named->as_string() == caller.id)) {
        reply(http::problem(403, "forbidden", "Forbidden",
                            "a customer places orders for itself: customer_id is its own"));
        return std::nullopt;
    }
    body["customer_id"] = caller.id;
    return body;
}

// The catalog's refusal in the request's terms: which fields are wrong.
std::vector<http::FieldError> field_errors(const Failure<errc>& refusal, const PlaceOrder& order) {
    std::vector<http::FieldError> errors;
    if (refusal.code == errc::mixed_currencies) {
        errors.push_back({"items", fmt::format("products of one order must share a currency; "
                                               "these are priced in {}",
                                               fmt::join(refusal.subjects, ", "))});
        return errors;
    }
    for (std::size_t line = 0; line < order.lines.size(); ++line) {
        const auto& sku = order.lines[line].sku;
        if (std::find(refusal.subjects.begin(), refusal.subjects.end(), sku) !=
            refusal.subjects.end()) {
            errors.push_back(
                {fmt::format("items[{}].sku", line), fmt::format("no product '{}'", sku)});
        }
    }
    return errors;
}

http::Response cancel_refused(const Failure<errc>& refusal, const std::string& id) {
    switch (refusal.code) {
        case errc::already_cancelled:
            return http::problem(409, "order-cancelled", "Conflict",
                                 fmt::format("order '{}' is cancelled already", id));
        case errc::shipped_already:
            return http::problem(
                409, "order-shipped", "Conflict",
                fmt::format("order '{}' has shipped and can no longer be cancelled", id));
        default:
            return http::problem(404, "not-found", "Not found", fmt::format("no order '{}'", id));
    }
}

// The saga's steps as the operator's console draws them.
json::object saga_description(const OrderSettings& settings) {
    json::array steps;
    for (const auto& step : saga_steps) {
        steps.push_back(json::object{
            {"step", to_string(step.step)},
            {"asks", step.asks},
            {"succeeds_on", step.succeeds_on},
            {"fails_on", step.fails_on.empty() ? json::value(nullptr) : json::value(step.fails_on)},
            {"undone_by", step.undone_by},
            {"undo_awaits_answer", step.awaits_undo},
            {"deadline_ms", settings.step_timeout.count()},
        });
    }
    return json::object{{"steps", std::move(steps)}};
}

void add_routes(ModuleBuilder& builder, std::shared_ptr<const Saga> saga,
                std::shared_ptr<OrderStreams> streams) {
    auto& work = builder.work();
    const auto& settings = builder.settings<OrderSettings>();
    builder.intake(
        {Method::post,
         "/api/orders",
         http::Body::json,
         {Role::customer, Role::kiosk},
         [&work, &settings, saga](const http::Request& request, http::Reply reply) {
             const auto body = order_body(request, reply);
             if (!body) {
                 return;
             }
             auto parsed = read_place_order(*body, settings);
             if (auto* errors = std::get_if<std::vector<http::FieldError>>(&parsed)) {
                 reply(http::validation_problem(*errors));
                 return;
             }
             auto& order_to_place = std::get<PlaceOrder>(parsed);
             if (request.caller.role == Role::kiosk) {
                 order_to_place.placed_by = request.caller.id;
             }
             work.answer(
                 request, reply, {},
                 [saga, order = std::move(order_to_place)](UnitOfWork& unit_of_work) {
                     const auto placed = saga->place(unit_of_work, order);
                     if (!placed) {
                         return http::validation_problem(field_errors(placed.error(), order));
                     }
                     const auto& id = placed->str();
                     auto response =
                         http::json_response(202, json::object{{"id", id}, {"status", "pending"}});
                     response.headers.push_back({"Location", "/api/orders/" + id});
                     return response;
                 });
         }});
    builder.route(
        {Method::get, "/api/orders", http::Body::none, kOrderReaders,
         [&work, saga](const http::Request& request, http::Reply reply) {
             std::vector<http::FieldError> errors;
             const auto page = http::page_of(request, errors);
             const auto status = request.query_param("status").value_or("");
             const auto reason = request.query_param("reason").value_or("");
             const auto stuck = request.query_param("stuck").value_or("false");
             OrderFilter filter{std::string{request.query_param("customer_id").value_or("")},
                                parse_status(status), page.cursor, page.limit};
             filter.reason = parse_cancel_reason(reason);
             filter.stuck = stuck == "true";
             const auto& caller = request.caller;
             if (caller.role == Role::customer) {
                 if (!filter.customer_id.empty() && filter.customer_id != caller.id) {
                     reply(http::page_response({}, page));
                     return;
                 }
                 filter.customer_id = caller.id;
             } else if (caller.role == Role::kiosk) {
                 filter.placed_by = caller.id;
             }
             if (!status.empty() && !filter.status) {
                 errors.push_back({"status",
                                   "must be pending, confirmed, shipped, delivered or "
                                   "cancelled"});
             }
             if (!reason.empty() && !filter.reason) {
                 errors.push_back({"reason",
                                   "must be out_of_stock, payment_declined, customer_cancelled or "
                                   "timeout"});
             }
             if (stuck != "true" && stuck != "false") {
                 errors.push_back({"stuck", "must be true or false"});
             }
             if (!errors.empty()) {
                 reply(http::validation_problem(errors));
                 return;
             }
             work.answer(request, reply, {}, [saga, filter, page](UnitOfWork& unit_of_work) {
                 auto items = saga->orders(unit_of_work, filter);
                 return http::page_response(std::move(items), page);
             });
         }});
    builder.route({Method::get, "/api/orders/{id}", http::Body::none, kOrderReaders,
                   [&work, saga](const http::Request& request, http::Reply reply) {
                       work.answer(request, reply, {},
                                   [saga, id = request.param("id"),
                                    caller = request.caller](UnitOfWork& unit_of_work) {
                                       const auto order = saga->order(unit_of_work, OrderId{id});
                                       return order && visible_to(caller, *order)
                                                  ? http::json_response(200, *order)
                                                  : no_order(id);
                                   });
                   }});
    builder.route({Method::get, "/api/orders/{id}/stream", http::Body::none, kOrderReaders,
                   [&work, saga, streams](const http::Request& request, http::Reply reply) {
                       work.answer(
                           request, reply, {},
                           [saga, streams, id = request.param("id"), caller = request.caller,
                            seen = entries_seen(request)](UnitOfWork& unit_of_work) {
                               const auto order = saga->order(unit_of_work, OrderId{id});
                               if (!order || !visible_to(caller, *order)) {
                                   return no_order(id);
                               }
                               http::Response response;
                               response.content_type = "text/event-stream";
                               response.headers.push_back({"Cache-Control", "no-cache"});
                               response.stream = streams->open(*order, seen);
                               return response;
                           });
                   }});
    builder.route(
        {Method::post,
         "/api/orders/{id}/cancel",
         http::Body::none,
         {Role::customer, Role::operator_},
         [&work, saga](const http::Request& request, http::Reply reply) {
             const auto id = request.param("id");
             work.answer(
                 request, reply, {.correlation_id = id},
                 [saga, id, caller = request.caller](UnitOfWork& unit_of_work) {
                     if (!caller.sees_everything()) {
                         const auto order = saga->order(unit_of_work, OrderId{id});
                         if (!order || !visible_to(caller, *order)) {
                             return no_order(id);
                         }
                     }
                     const auto cancelled = saga->cancel_by_customer(unit_of_work, OrderId{id});
                     if (!cancelled) {
                         return cancel_refused(cancelled.error(), id);
                     }
                     return http::json_response(
                         202, json::object{{"id", id},
                                           {"status",
                                            cancelled->cancelling() ? "cancelling" : "cancelled"}});
                 });
         }});
    // The first path is the one of before; the console asks the second.
    for (const auto* path : {"/api/admin/saga", "/api/admin/sagas/definition"}) {
        builder.route({Method::get,
                       path,
                       http::Body::none,
                       {Role::operator_},
                       [&settings](const http::Request&, http::Reply reply) {
                           reply(http::json_response(200, saga_description(settings)));
                       }});
    }
}

// Subscribes the saga's handler for event type E.
template <class E>
void follow(ModuleBuilder& builder, const std::shared_ptr<const Saga>& saga) {
    builder.subscribe<E>([saga](UnitOfWork& unit_of_work, const E& event) {
        saga->on(unit_of_work, event.order_id, event);
    });
}

}  // namespace

ModuleDefinition module() {
    return {"order",
            [](ModuleBuilder& builder) {
                builder.migrations(migrations());
                builder.publishes<OrderPlaced>();
                builder.publishes<OrderConfirmed>();
                builder.publishes<OrderShipped>();
                builder.publishes<OrderDelivered>();
                builder.publishes<OrderCancelled>();
                builder.publishes<inventory::ReserveStock>();
                builder.publishes<inventory::ReleaseStock>();
                builder.publishes<inventory::CommitStock>();
                builder.publishes<payment::CapturePayment>();
                builder.publishes<payment::RefundPayment>();
                builder.publishes<shipping::CreateShipment>();
                builder.publishes<shipping::CancelShipment>();

                const auto& settings = builder.settings<OrderSettings>();
                auto streams = std::make_shared<OrderStreams>();
                builder.on_reset([streams] { streams->close_all(); });
                auto saga = std::make_shared<const Saga>(
                    settings,
                    SagaMetrics{
                        builder.counter("shopd_orders_placed_total", "Orders accepted"),
                        builder.counter("shopd_orders_ended_total",
                                        "Orders that ended: delivered, or cancelled with a "
                                        "reason (out_of_stock, payment_declined, "
                                        "customer_cancelled, timeout)",
                                        {"status", "reason"}),
                        builder.histogram(
                            "shopd_saga_duration_seconds",
                            "Shop-clock time from placing an order until it was confirmed or "
                            "cancelled",
                            {"outcome"},
                            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}),
                        builder.histogram(
                            "shopd_order_delivery_seconds",
                            "Shop-clock time from placing an order until it was delivered", {},
                            {600, 3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400,
                             14 * 86400})},
                    *streams);
                builder.subscribe<inventory::ProductPriced>(
                    [saga](UnitOfWork& unit_of_work, const inventory::ProductPriced& product) {
                        saga->catalogue(unit_of_work, product);
                    });
                follow<inventory::StockReserved>(builder, saga);
                follow<inventory::StockRejected>(builder, saga);
                follow<inventory::StockReleased>(builder, saga);
                follow<inventory::StockCommitted>(builder, saga);
                follow<payment::PaymentCaptured>(builder, saga);
                follow<payment::PaymentDeclined>(builder, saga);
                follow<payment::PaymentRefunded>(builder, saga);
                follow<shipping::ShipmentCreated>(builder, saga);
                follow<shipping::ShipmentDispatched>(builder, saga);
                follow<shipping::ShipmentDelivered>(builder, saga);
                follow<shipping::ShipmentCancelled>(builder, saga);
                follow<shipping::ShipmentCancelRefused>(builder, saga);
                add_routes(builder, saga, streams);

                builder.every(
                    settings.deadline_check_interval, "step deadlines",
                    [saga](UnitOfWork& unit_of_work) { saga->time_out_overdue(unit_of_work); });
            },
            order_settings()};
}

}  // namespace shopd::order
