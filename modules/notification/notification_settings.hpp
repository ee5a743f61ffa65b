#pragma once

#include <chrono>
#include <string>

#include <shopd/settings.hpp>

namespace shopd::notification {

struct NotificationSettings {
    // Mustache-style templates per kind; {{name}} is replaced by the field of that name.
    std::string template_confirmed =
        "Order {{order_id}} is confirmed: {{total}}. Tracking number {{tracking_number}}.";
    std::string template_cancelled = "Order {{order_id}} was cancelled ({{reason}}).";
    std::string template_shipped = "Order {{order_id}} is on its way: {{tracking_number}}.";
    std::string template_delivered = "Order {{order_id}} was delivered.";
    std::string template_refunded = "{{total}} for order {{order_id}} was refunded.";
    // Where every notification is POSTed as JSON (http:// or https://); empty: no webhook.
    std::string webhook_url;
    // Keys of the X-Shopd-Signature HMAC-SHA256s, one v1= each: several while rotating.
    std::vector<std::string> webhook_secrets;
    // PEM CAs an https:// receiver's certificate is checked against; empty: the system's.
    std::string webhook_ca;
    std::chrono::milliseconds webhook_timeout{5000};
    std::chrono::milliseconds webhook_retry_base{500};
    int webhook_max_attempts = 6;
};

// The [notification] section: its keys, checks and help. A template that cannot be rendered
// is refused here, naming its setting.
Settings<NotificationSettings> notification_settings();

}  // namespace shopd::notification
