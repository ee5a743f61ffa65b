#include "notifier.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <shopd/clock.hpp>
#include <shopd/contracts/notification.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/digest.hpp>
#include <shopd/ids.hpp>
#include <shopd/statements.hpp>

namespace shopd::notification {
namespace json = boost::json;
using namespace contracts::notification;

namespace {

json::object notification_json(SQLite::Statement& row) {
    return json::object{
        {"id", row.getColumn(0).getString()},       {"kind", row.getColumn(1).getString()},
        {"order_id", row.getColumn(2).getString()}, {"customer_id", row.getColumn(3).getString()},
        {"text", row.getColumn(4).getString()},     {"created_at", row.getColumn(5).getString()}};
}

// One notification as its Server-Sent Event.
std::string stream_event(const std::string& id, const std::string& kind, const std::string& data) {
    return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, kind, data);
}

}  // namespace

Notifier::Notifier(const NotificationSettings& settings, ModuleWork& work,
                   telemetry::CounterFamily& attempts)
    : config_(settings), attempts_(attempts), work_(work) {
    for (const auto* outcome : {"delivered", "failed", "gave_up"}) {
        attempts_.with({outcome});
    }
    const std::pair<const char*, const std::string*> configured[] = {
        {"confirmed", &settings.template_confirmed},
        {"cancelled", &settings.template_cancelled},
        {"shipped", &settings.template_shipped},
        {"delivered", &settings.template_delivered},
        {"refunded", &settings.template_refunded}};
    for (const auto& [kind, text] : configured) {
        templates_.emplace(kind, TextTemplate(*text, kTemplateFields));
    }
}

std::chrono::milliseconds Notifier::webhook_backoff(int failed_attempts) const {
    constexpr int kMostDoublings = 16;
    return config_.webhook_retry_base * (1LL << std::clamp(failed_attempts - 1, 0, kMostDoublings));
}

void Notifier::notify(UnitOfWork& unit_of_work, const Occurrence& occurrence) {
    auto values = occurrence.values;
    values.emplace("order_id", occurrence.order_id);
    values.emplace("customer_id", occurrence.customer_id);
    const auto text = templates_.at(occurrence.kind).render(values);
    const auto id = new_uuid_v7();
    const auto now = rfc3339(unit_of_work.now());
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO notification (id, order_id, customer_id, kind, text, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, kind) DO NOTHING");
    SQLite::bind(insert, id, occurrence.order_id, occurrence.customer_id, occurrence.kind, text,
                 now);
    if (insert.exec() == 0) {
        return;  // this order was notified of this already
    }
    const json::object document{{"id", id},
                                {"kind", occurrence.kind},
                                {"order_id", occurrence.order_id},
                                {"customer_id", occurrence.customer_id},
                                {"text", text},
                                {"created_at", now}};
    const auto order = contracts::order::order_aggregate(occurrence.order_id);
    if (config_.webhook_url.empty()) {
        unit_of_work.publish(
            NotificationSent{id, occurrence.order_id, occurrence.customer_id, occurrence.kind},
            order);
    } else {
        auto& delivery = unit_of_work.statements().get(
            "INSERT INTO webhook_delivery (notification_id, status, updated_at, traceparent) "
            "VALUES (?, 'pending', ?, ?)");
        SQLite::bind(delivery, id, now, unit_of_work.context().traceparent);
        delivery.exec();
    }
    unit_of_work.after_commit([this, id, text, customer_id = occurrence.customer_id,
                               order_id = occurrence.order_id, kind = occurrence.kind,
                               event = json::serialize(document),
                               traceparent = unit_of_work.context().traceparent] {
        spdlog::info("notification {} to customer {}: {}", kind, customer_id, text);
        live_feed_.send(customer_id, stream_event(id, kind, event));
        if (!config_.webhook_url.empty()) {
            send_webhook({id, order_id, event, traceparent});
        }
    });
}

void Notifier::send_due_webhooks() {
    if (config_.webhook_url.empty()) {
        return;
    }
    auto due = std::make_shared<std::vector<Webhook>>();
    work_.execute(
        {},
        [this, due](UnitOfWork& unit_of_work) {
            due->clear();  // the unit may run again
            auto& query = unit_of_work.statements().get(
                "SELECT n.id, n.kind, n.order_id, n.customer_id, n.text, n.created_at, "
                "d.traceparent FROM webhook_delivery d JOIN notification n ON n.id = "
                "d.notification_id "
                "WHERE d.status = 'pending' AND d.next_attempt_ms <= ? "
                "ORDER BY d.next_attempt_ms LIMIT 100");
            query.bind(1, unix_millis(unit_of_work.now()));
            while (query.executeStep()) {
                auto document = notification_json(query);
                const auto id = query.getColumn(0).getString();
                if (!webhooks_in_flight_.contains(id)) {
                    due->push_back({id, query.getColumn(2).getString(), json::serialize(document),
                                    query.getColumn(6).getString()});
                }
            }
            query.reset();
        },
        [this, due](std::exception_ptr failure) {
            if (failure) {
                log_failure("notification: finding due webhooks")(failure);
                return;
            }
            for (const auto& webhook : *due) {
                send_webhook(webhook);
            }
        });
}

void Notifier::send_webhook(const Webhook& webhook) {
    if (!webhooks_in_flight_.insert(webhook.notification_id).second) {
        return;
    }
    const auto& body = webhook.body;
    http::OutgoingRequest request;
    request.url = config_.webhook_url;
    request.body = body;
    request.timeout = config_.webhook_timeout;
    request.about = webhook.order_id;
    request.ca_file = config_.webhook_ca;
    request.traceparent = webhook.traceparent;
    // The time is signed with the body, so a receiver can refuse a request replayed later.
    const auto sent =
        std::chrono::duration_cast<std::chrono::seconds>(work_.clock().now().time_since_epoch())
            .count();
    auto signature = fmt::format("t={}", sent);
    for (const auto& secret : config_.webhook_secrets) {
        signature += ",v1=" + hmac_sha256_hex(secret, fmt::format("{}.{}", sent, body));
    }
    request.headers.push_back({"X-Shopd-Signature", std::move(signature)});
    request.headers.push_back({"Webhook-Id", webhook.notification_id});
    request.headers.push_back({"X-Shopd-Notification", webhook.notification_id});
    work_.send(std::move(request), [this, webhook](const http::OutgoingResult& result) {
        webhook_answered(webhook, result.status, result.error);
    });
}

void Notifier::webhook_answered(const Webhook& webhook, unsigned status, const std::string& error) {
    const bool delivered = status >= 200 && status < 300;
    const auto& notification_id = webhook.notification_id;
    work_.execute(
        MessageContext{.correlation_id = webhook.order_id, .traceparent = webhook.traceparent},
        [this, notification_id, status, error, delivered](UnitOfWork& unit_of_work) {
            auto& query = unit_of_work.statements().get(
                "SELECT n.order_id, n.customer_id, n.kind, d.attempts FROM webhook_delivery d "
                "JOIN notification n ON n.id = d.notification_id WHERE d.notification_id = ? "
                "AND d.status = 'pending'");
            query.bind(1, notification_id);
            if (!query.executeStep()) {
                query.reset();
                return;
            }
            const auto order_id = query.getColumn(0).getString();
            const auto customer_id = query.getColumn(1).getString();
            const auto kind = query.getColumn(2).getString();
            const int attempts = query.getColumn(3).getInt() + 1;
            query.reset();
            const auto failure = delivered
                                     ? std::string{}
                                     : (error.empty() ? fmt::format("HTTP {}", status) : error);
            const bool exhausted = !delivered && attempts >= config_.webhook_max_attempts;
            const char* next = delivered ? "delivered" : exhausted ? "failed" : "pending";
            auto& attempt = attempts_.with({delivered   ? "delivered"
                                            : exhausted ? "gave_up"
                                                        : "failed"});
            unit_of_work.after_commit([&attempt] { attempt.inc(); });
            const auto wait = webhook_backoff(attempts).count();
            auto& update = unit_of_work.statements().get(
                "UPDATE webhook_delivery SET status = ?, attempts = ?, next_attempt_ms = ?, "
                "last_status = ?, last_error = ?, updated_at = ? WHERE notification_id = ?");
            SQLite::bind(update, next, attempts, unix_millis(unit_of_work.now()) + wait,
                         static_cast<int>(status), failure, rfc3339(unit_of_work.now()),
                         notification_id);
            update.exec();
            const auto order = contracts::order::order_aggregate(order_id);
            if (!delivered && !exhausted) {
                spdlog::info(
                    "notification {} of order {}: webhook attempt {} failed: {}; next "
                    "in {} ms",
                    notification_id, order_id, attempts, failure, wait);
            }
            if (delivered) {
                unit_of_work.publish(NotificationSent{notification_id, order_id, customer_id, kind},
                                     order);
            } else if (exhausted) {
                spdlog::warn("notification {} of order {}: webhook gave up after {} attempts: {}",
                             notification_id, order_id, attempts, failure);
                unit_of_work.publish(NotificationFailed{notification_id, order_id, customer_id,
                                                        kind, "webhook", failure},
                                     order);
            }
        },
        [this, notification_id](std::exception_ptr failure) {
            webhooks_in_flight_.erase(notification_id);
            log_failure("notification: recording a webhook answer")(failure);
        });
}

std::shared_ptr<http::EventStream> Notifier::stream_after(UnitOfWork& unit_of_work,
                                                          const std::string& customer_id,
                                                          const std::string& after_id) {
    auto stream = live_feed_.open(customer_id);
    if (after_id.empty()) {
        return stream;
    }
    // In the order they were made, which rowids keep (ids made in one millisecond need not).
    auto& query = unit_of_work.statements().get(
        "SELECT id, kind, order_id, customer_id, text, created_at FROM notification "
        "WHERE (?1 = '' OR customer_id = ?1) AND "
        "rowid > (SELECT rowid FROM notification WHERE id = ?2) ORDER BY rowid");
    SQLite::bind(query, customer_id, after_id);
    std::string missed;
    while (query.executeStep()) {
        missed += stream_event(query.getColumn(0).getString(), query.getColumn(1).getString(),
                               json::serialize(notification_json(query)));
    }
    query.reset();
    stream->push(std::move(missed));
    return stream;
}

json::array Notifier::notifications(UnitOfWork& unit_of_work, const std::string& order_id,
                                    const std::string& customer_id, const std::string& before_id,
                                    int limit) const {
    auto& query = unit_of_work.statements().get(
        "SELECT n.id, n.kind, n.order_id, n.customer_id, n.text, n.created_at, d.status, "
        "d.attempts, d.last_status, d.last_error FROM notification n "
        "LEFT JOIN webhook_delivery d ON d.notification_id = n.id "
        "WHERE (?1 = '' OR n.order_id = ?1) AND (?2 = '' OR n.customer_id = ?2) AND "
        "(?3 = '' OR n.id < ?3) ORDER BY n.id DESC LIMIT ?4");
    SQLite::bind(query, order_id, customer_id, before_id, limit);
    json::array items;
    while (query.executeStep()) {
        auto item = notification_json(query);
        item["webhook"] = query.getColumn(6).isNull()
                              ? json::value(nullptr)
                              : json::value(json::object{
                                    {"status", query.getColumn(6).getString()},
                                    {"attempts", query.getColumn(7).getInt()},
                                    {"last_status", query.getColumn(8).isNull()
                                                        ? json::value(nullptr)
                                                        : json::value(query.getColumn(8).getInt())},
                                    {"last_error", store::text_or_null(query.getColumn(9))}});
        items.push_back(std::move(item));
    }
    query.reset();
    return items;
}

}  // namespace shopd::notification
