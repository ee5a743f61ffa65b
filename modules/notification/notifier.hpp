#pragma once
// Notifications: one per order and kind, rendered from the configured templates, stored, and
// sent on every channel: the log, the live stream and, when configured, a webhook.

#include <boost/json/array.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <shopd/module.hpp>

#include "live_feed.hpp"
#include "notification_settings.hpp"
#include "template.hpp"

namespace shopd::notification {

// The fields a template may name.
inline const std::set<std::string, std::less<>> kTemplateFields{"order_id", "customer_id", "total",
                                                                "reason", "tracking_number"};

struct Occurrence {
    std::string kind;  // confirmed, cancelled, shipped, delivered, refunded
    std::string order_id;
    std::string customer_id;
    std::map<std::string, std::string, std::less<>> values;  // for the template
};

class Notifier {
  public:
    // The templates of `settings` were checked when they were read.
    // `attempts` counts webhook attempts by outcome: delivered, failed (retried), gave_up.
    Notifier(const NotificationSettings& settings, ModuleWork& work,
             telemetry::CounterFamily& attempts);

    // In the handler's unit of work: stores the notification once and sends it.
    void notify(UnitOfWork& unit_of_work, const Occurrence& occurrence);

    // Webhook deliveries that are due start now (on the module's strand).
    void send_due_webhooks();
    // The shop started over: the webhooks under way are no longer ours to wait for.
    void forget_webhooks_in_flight() { webhooks_in_flight_.clear(); }

    boost::json::array notifications(UnitOfWork& unit_of_work, const std::string& order_id,
                                     const std::string& customer_id, const std::string& before_id,
                                     int limit) const;
    LiveFeed& live_feed() { return live_feed_; }
    // A live stream of the customer's notifications (empty: everyone's) that starts with those
    // after `after_id` (a notification id the client had, from Last-Event-ID; empty: none).
    // Inside the module's unit of work, so that no notification falls between the two.
    std::shared_ptr<http::EventStream> stream_after(UnitOfWork& unit_of_work,
                                                    const std::string& customer_id,
                                                    const std::string& after_id);

  private:
    struct Webhook {
        std::string notification_id;
        std::string order_id;
        std::string body;
        std::string traceparent;  // of the work that made the notification
    };
    void send_webhook(const Webhook& webhook);
    void webhook_answered(const Webhook& webhook, unsigned status, const std::string& error);

    // The wait before the next attempt once `failed_attempts` failed: doubling from the base.
    std::chrono::milliseconds webhook_backoff(int failed_attempts) const;

    const NotificationSettings& config_;
    telemetry::CounterFamily& attempts_;
    ModuleWork& work_;
    std::map<std::string, TextTemplate, std::less<>> templates_;
    LiveFeed live_feed_;
    std::set<std::string> webhooks_in_flight_;  // only touched on the strand
};

}  // namespace shopd::notification
