// Wiring of the notification module: which events notify, the read API and the live stream.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <memory>

#include <shopd/contracts/notification.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/contracts/payment.hpp>
#include <shopd/module.hpp>
#include <shopd/modules.hpp>

#include "migrations.hpp"
#include "notifier.hpp"

namespace shopd::notification {
namespace json = boost::json;
namespace order = contracts::order;
namespace payment = contracts::payment;
using contracts::notification::NotificationFailed;
using contracts::notification::NotificationSent;

namespace {

// A customer reads only its own notifications.
const Roles kNotificationReaders{Role::customer, Role::operator_};

// Whose notifications a request asks for: for a customer its own, and nullopt when it names
// another's.
std::optional<std::string> customer_asked(const http::Request& request) {
    std::string asked{request.query_param("customer_id").value_or("")};
    const auto& caller = request.caller;
    if (caller.sees_everything()) {
        return asked;
    }
    if (!asked.empty() && asked != caller.id) {
        return std::nullopt;
    }
    return caller.id;
}

std::string money(std::int64_t cents, const std::string& currency) {
    return fmt::format("{}{}.{:02} {}", cents < 0 ? "-" : "", std::abs(cents) / 100,
                       std::abs(cents) % 100, currency);
}

Occurrence occurrence_of(const order::OrderConfirmed& event) {
    return {"confirmed",
            event.order_id,
            event.customer_id,
            {{"total", money(event.total_cents, event.currency)},
             {"tracking_number", event.tracking_number}}};
}
Occurrence occurrence_of(const order::OrderCancelled& event) {
    return {"cancelled", event.order_id, event.customer_id, {{"reason", event.reason}}};
}
Occurrence occurrence_of(const order::OrderShipped& event) {
    return {
        "shipped", event.order_id, event.customer_id, {{"tracking_number", event.tracking_number}}};
}
Occurrence occurrence_of(const order::OrderDelivered& event) {
    return {"delivered", event.order_id, event.customer_id, {}};
}
Occurrence occurrence_of(const payment::PaymentRefunded& event) {
    return {"refunded",
            event.order_id,
            event.customer_id,
            {{"total", money(event.amount_cents, event.currency)}}};
}

template <class E>
void notify_on(ModuleBuilder& builder, const std::shared_ptr<Notifier>& notifier) {
    builder.subscribe<E>([notifier](UnitOfWork& unit_of_work, const E& event) {
        notifier->notify(unit_of_work, occurrence_of(event));
    });
}

void add_routes(ModuleBuilder& builder, const std::shared_ptr<Notifier>& notifier) {
    auto& work = builder.work();
    builder.route({http::Method::get, "/api/notifications", http::Body::none, kNotificationReaders,
                   [&work, notifier](const http::Request& request, http::Reply reply) {
                       const auto requested = http::page_or_refuse(request, reply);
                       if (!requested) {
                           return;
                       }
                       const std::string order_id{request.query_param("order_id").value_or("")};
                       const auto customer = customer_asked(request);
                       if (!customer) {
                           reply(http::page_response({}, *requested));
                           return;
                       }
                       work.answer(request, reply, {},
                                   [notifier, order_id, customer_id = *customer,
                                    page = *requested](UnitOfWork& unit_of_work) {
                                       auto items = notifier->notifications(
                                           unit_of_work, order_id, customer_id, page.cursor,
                                           page.limit);
                                       return http::page_response(std::move(items), page);
                                   });
                   }});
    builder.route(
        {http::Method::get, "/api/notifications/stream", http::Body::none, kNotificationReaders,
         [&work, notifier](const http::Request& request, http::Reply reply) {
             const auto customer = customer_asked(request);
             if (!customer) {
                 reply(http::problem(404, "not-found", "Not found",
                                     "no notifications of that customer"));
                 return;
             }
             work.answer(request, reply, {},
                         [notifier, customer_id = *customer,
                          after = std::string{request.header("Last-Event-ID").value_or("")}](
                             UnitOfWork& unit_of_work) {
                             http::Response response;
                             response.content_type = "text/event-stream";
                             response.headers.push_back({"Cache-Control", "no-cache"});
                             response.stream =
                                 notifier->stream_after(unit_of_work, customer_id, after);
                             return response;
                         });
         }});
}

}  // namespace

ModuleDefinition module() {
    return {"notification",
            [](ModuleBuilder& builder) {
                builder.migrations(migrations());
                builder.publishes<NotificationSent>();
                builder.publishes<NotificationFailed>();

                auto notifier = std::make_shared<Notifier>(
                    builder.settings<NotificationSettings>(), builder.work(),
                    builder.counter("shopd_webhook_attempts_total",
                                    "Webhook requests by outcome: delivered, failed (to be "
                                    "retried), gave_up (the last attempt failed)",
                                    {"outcome"}));
                builder.gauge("shopd_sse_subscribers", "Server-Sent Events streams open",
                              {"stream"}, [notifier] {
                                  return std::vector<telemetry::GaugeSample>{
                                      {{"notifications"},
                                       static_cast<double>(notifier->live_feed().subscribers())}};
                              });
                notify_on<order::OrderConfirmed>(builder, notifier);
                notify_on<order::OrderCancelled>(builder, notifier);
                notify_on<order::OrderShipped>(builder, notifier);
                notify_on<order::OrderDelivered>(builder, notifier);
                notify_on<payment::PaymentRefunded>(builder, notifier);
                add_routes(builder, notifier);
                builder.every(std::chrono::milliseconds(200),
                              [notifier] { notifier->send_due_webhooks(); });
                builder.on_reset([notifier] { notifier->forget_webhooks_in_flight(); });
            },
            notification_settings()};
}

}  // namespace shopd::notification
