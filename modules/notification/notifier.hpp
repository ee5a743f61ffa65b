#pragma once
// Notifications: one per order and kind, rendered from the configured templates, stored, and
// sent on every channel: the log, the live stream and, when configured, a webhook.

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/array.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <shopd/config.hpp>

#include "bus/module_runtime.hpp"
#include "bus/unit_of_work.hpp"
#include "live_feed.hpp"
#include "template.hpp"

namespace shopd::notification {

struct Occurrence {
    std::string kind;  // confirmed, cancelled, shipped, delivered, refunded
    std::string order_id;
    std::string customer_id;
    std::map<std::string, std::string, std::less<>> values;  // for the template
};

class Notifier {
  public:
    // Throws TemplateError naming the template that cannot be used.
    Notifier(const NotificationConfig& config, bus::ModuleRuntime& runtime);

    // In the handler's unit of work: stores the notification once and sends it.
    void notify(bus::UnitOfWork& unit_of_work, const Occurrence& occurrence);

    // Webhook deliveries that are due start now (on the module's strand).
    void send_due_webhooks();

    boost::json::array notifications(bus::UnitOfWork& unit_of_work, const std::string& order_id,
                                     const std::string& customer_id, const std::string& before_id,
                                     int limit) const;
    LiveFeed& live_feed() { return live_feed_; }

  private:
    void send_webhook(const std::string& notification_id, const std::string& body);
    void webhook_answered(const std::string& notification_id, unsigned status,
                          const std::string& error);

    const NotificationConfig& config_;
    bus::ModuleRuntime& runtime_;
    bus::DeliveryPolicy webhook_retries_;
    std::map<std::string, TextTemplate, std::less<>> templates_;
    LiveFeed live_feed_;
    std::set<std::string> webhooks_in_flight_;  // only touched on the strand
};

}  // namespace shopd::notification
