#include "notification_settings.hpp"

#include "notifier.hpp"
#include "template.hpp"

namespace shopd::notification {
namespace {

std::function<void(const std::string&)> renderable() {
    return [](const std::string& text) {
        try {
            TextTemplate(text, kTemplateFields);
        } catch (const TemplateError& error) {
            throw BadValue{error.what()};
        }
    };
}

}  // namespace

Settings<NotificationSettings> notification_settings() {
    using std::chrono::milliseconds;
    using S = NotificationSettings;
    return std::move(
        Settings<S>("notification")
            .add("template_confirmed", &S::template_confirmed,
                 "Text of the order-confirmed notification", renderable())
            .add("template_cancelled", &S::template_cancelled,
                 "Text of the order-cancelled notification", renderable())
            .add("template_shipped", &S::template_shipped, "Text of the order-shipped notification",
                 renderable())
            .add("template_delivered", &S::template_delivered,
                 "Text of the order-delivered notification", renderable())
            .add("template_refunded", &S::template_refunded,
                 "Text of the payment-refunded notification", renderable())
            .add("webhook_url", &S::webhook_url,
                 "http:// or https:// URL every notification is POSTed to as JSON; empty: none",
                 std::function<void(const std::string&)>{[](const std::string& value) {
                     if (!value.empty() && !value.starts_with("http://") &&
                         !value.starts_with("https://")) {
                         throw BadValue{"expected an http:// or https:// URL, got '" + value + "'"};
                     }
                 }})
            .add("webhook_secrets", &S::webhook_secrets,
                 "Keys of the X-Shopd-Signature HMAC-SHA256s (t=,v1= per key); several while "
                 "rotating")
            .add("webhook_ca", &S::webhook_ca,
                 "PEM CAs for an https:// receiver's certificate; empty: the system's")
            .add("webhook_timeout_ms", &S::webhook_timeout, "Time one webhook request may take",
                 at_least(milliseconds{1}))
            .add("webhook_retry_base_ms", &S::webhook_retry_base,
                 "Wait before retrying a failed webhook; doubles", at_least(milliseconds{1}))
            .add("webhook_max_attempts", &S::webhook_max_attempts,
                 "Webhook attempts before the notification is marked failed", at_least(1)));
}

}  // namespace shopd::notification
