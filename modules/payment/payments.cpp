#include "payments.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/contracts/order.hpp>
#include <shopd/ids.hpp>
#include <shopd/statements.hpp>

namespace shopd::payment {
namespace json = boost::json;
using namespace contracts::payment;

namespace {

const char* const kPaymentColumns =
    "SELECT id, order_id, customer_id, status, amount_cents, currency, decline_reason, "
    "refund_reason, created_at, updated_at FROM payment ";

json::object payment_json(SQLite::Statement& row) {
    return json::object{
        {"id", row.getColumn(0).getString()},
        {"order_id", row.getColumn(1).getString()},
        {"customer_id", row.getColumn(2).getString()},
        {"status", row.getColumn(3).getString()},
        {"amount_cents", row.getColumn(4).getInt64()},
        {"currency", row.getColumn(5).getString()},
        {"decline_reason", store::text_or_null(row.getColumn(6))},
        {"refund_reason", store::text_or_null(row.getColumn(7))},
        {"created_at", row.getColumn(8).getString()},
        {"updated_at", row.getColumn(9).getString()},
    };
}

}  // namespace

Payments::Payments(std::unique_ptr<PaymentProvider> provider, PaymentMetrics metrics)
    : provider_(std::move(provider)), metrics_(metrics) {
    metrics_.captures.with({"captured", ""});
    metrics_.captures.with({"pending", ""});
    for (const auto reason : {errc::card_declined, errc::insufficient_funds, errc::invalid_token,
                              errc::expired_card, errc::fraud_suspected}) {
        metrics_.captures.with({"declined", std::string{to_string(reason)}});
    }
    metrics_.refunds.with({"refunded"});
    metrics_.refunds.with({"refused"});
}

void Payments::count(UnitOfWork& unit_of_work, telemetry::Counter& counter) const {
    unit_of_work.after_commit([&counter] { counter.inc(); });
}

void Payments::capture(UnitOfWork& unit_of_work, const CapturePayment& command) const {
    auto& existing = unit_of_work.statements().get("SELECT 1 FROM payment WHERE order_id = ?");
    existing.bind(1, command.order_id);
    const bool asked_before = existing.executeStep();
    existing.reset();
    if (asked_before) {
        return;  // one capture per order, whatever is redelivered
    }
    auto call = unit_of_work.span("payment provider capture");
    const auto answer = provider_->capture(
        {command.order_id, command.amount_cents, command.currency, command.payment_token});
    const auto status = status_after(answer);
    const auto outcome = std::string{to_string(status)};
    const auto reason = std::string{answer ? std::string_view{} : to_string(answer.error().code)};
    call.set("shopd.payment.outcome", outcome);
    call.set("shopd.payment.decline_reason", reason);
    call.set("shopd.order.id", command.order_id);
    call.end();
    count(unit_of_work, metrics_.captures.with({outcome, reason}));
    const PaymentId id{new_uuid_v7()};
    const auto now = rfc3339(unit_of_work.now());
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO payment (id, order_id, customer_id, status, amount_cents, currency, "
        "decline_reason, created_at, updated_at, provider_reference, settles_at_ms, "
        "traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SQLite::bind(insert, id.str(), command.order_id, command.customer_id, outcome,
                 command.amount_cents, command.currency, reason, now, now,
                 answer ? answer->reference : std::string{});
    insert.bind(12, unit_of_work.context().traceparent);
    if (answer) {
        insert.bind(7);  // NULL: not declined
    }
    if (answer && answer->settles_in.count() > 0) {
        insert.bind(11, unix_millis(unit_of_work.now()) + answer->settles_in.count());
    } else {
        insert.bind(11);
    }
    insert.exec();
    const auto order = contracts::order::order_aggregate(command.order_id);
    if (!answer) {
        unit_of_work.publish(PaymentDeclined{command.order_id, id.str(),
                                             std::string{to_string(answer.error().code)}},
                             order);
    } else if (answer->state == CaptureState::captured) {
        unit_of_work.publish(
            PaymentCaptured{command.order_id, id.str(), command.amount_cents, command.currency},
            order);
    }
    // pending: the provider answers later (settle_due) or never; the order's deadline decides.
}

void Payments::settle_due(UnitOfWork& unit_of_work) const {
    struct Due {
        std::string id;
        std::string order_id;
        std::string customer_id;
        PaymentStatus status;
        std::int64_t amount_cents;
        std::string currency;
        std::string traceparent;
    };
    std::vector<Due> due;
    auto& query = unit_of_work.statements().get(
        "SELECT id, order_id, customer_id, status, amount_cents, currency, traceparent "
        "FROM payment "
        "WHERE settles_at_ms IS NOT NULL AND settles_at_ms <= ? "
        "AND status IN ('pending', 'voided') ORDER BY settles_at_ms LIMIT 100");
    query.bind(1, unix_millis(unit_of_work.now()));
    while (query.executeStep()) {
        due.push_back({query.getColumn(0).getString(), query.getColumn(1).getString(),
                       query.getColumn(2).getString(),
                       parse_payment_status(query.getColumn(3).getString()).value(),
                       query.getColumn(4).getInt64(), query.getColumn(5).getString(),
                       query.getColumn(6).getString()});
    }
    query.reset();
    for (const auto& payment : due) {
        const auto late = *settle(payment.status);  // the query reads only what settles
        unit_of_work.continue_trace(payment.traceparent);
        auto& update = unit_of_work.statements().get(
            "UPDATE payment SET status = ?, refund_reason = ?, settles_at_ms = NULL, "
            "updated_at = ? WHERE id = ?");
        update.bind(1, std::string{to_string(late.next)});
        if (late.refunds) {
            update.bind(2, "captured after the order was given up");
        }
        update.bind(3, rfc3339(unit_of_work.now()));
        update.bind(4, payment.id);
        update.exec();
        const auto order = contracts::order::order_aggregate(payment.order_id);
        if (late.refunds) {
            unit_of_work.publish(PaymentRefunded{payment.order_id, payment.id, payment.customer_id,
                                                 payment.amount_cents, payment.currency},
                                 order);
        } else {
            unit_of_work.publish(PaymentCaptured{payment.order_id, payment.id, payment.amount_cents,
                                                 payment.currency},
                                 order);
        }
    }
}

void Payments::refund(UnitOfWork& unit_of_work, const RefundPayment& command) const {
    auto& query = unit_of_work.statements().get(
        "SELECT id, customer_id, status, amount_cents, currency, provider_reference FROM payment "
        "WHERE order_id = ?");
    query.bind(1, command.order_id);
    if (!query.executeStep()) {
        query.reset();
        return;  // nothing was asked of the provider
    }
    const auto id = query.getColumn(0).getString();
    const auto customer_id = query.getColumn(1).getString();
    const auto status = parse_payment_status(query.getColumn(2).getString());
    const auto amount = query.getColumn(3).getInt64();
    const auto currency = query.getColumn(4).getString();
    const auto reference = query.getColumn(5).getString();
    query.reset();
    auto refund = status ? refund_of(*status) : std::nullopt;
    if (!refund) {
        return;  // declined, or given back already
    }
    bool refused = false;
    if (refund->gives_money_back) {
        auto call = unit_of_work.span("payment provider refund");
        refused = !provider_->refund(reference);
        if (refused) {
            call.fail("the provider refused the refund");
        }
        call.end();
        count(unit_of_work, metrics_.refunds.with({refused ? "refused" : "refunded"}));
    }
    if (refused) {
        // The money stays taken: the order is cancelled all the same, and an operator settles
        // this payment with the provider.
        spdlog::error("payment {} of order {}: the provider refused the refund ({} {})", id,
                      command.order_id, amount, currency);
        refund = Refund{PaymentStatus::refund_failed, false};
    }
    auto& update = unit_of_work.statements().get(
        "UPDATE payment SET status = ?, refund_reason = ?, updated_at = ? WHERE id = ?");
    SQLite::bind(update, std::string{to_string(refund->next)}, command.reason,
                 rfc3339(unit_of_work.now()), id);
    update.exec();
    if (refund->gives_money_back) {
        unit_of_work.publish(PaymentRefunded{command.order_id, id, customer_id, amount, currency},
                             contracts::order::order_aggregate(command.order_id));
    }
}

std::optional<json::object> Payments::payment(UnitOfWork& unit_of_work, const PaymentId& id) const {
    auto& query = unit_of_work.statements().get(std::string{kPaymentColumns} + "WHERE id = ?");
    query.bind(1, id.str());
    std::optional<json::object> found;
    if (query.executeStep()) {
        found = payment_json(query);
    }
    query.reset();
    return found;
}

json::array Payments::payments(UnitOfWork& unit_of_work, const CollectionQuery& asked) const {
    auto& query = unit_of_work.statements().get(
        std::string{kPaymentColumns} +
        "WHERE (?1 = '' OR order_id = ?1) AND (?2 = '' OR customer_id = ?2) AND "
        "(?3 = '' OR id < ?3) ORDER BY id DESC LIMIT ?4");
    SQLite::bind(query, asked.filter, asked.customer_id, asked.page.cursor, asked.page.limit);
    json::array items;
    while (query.executeStep()) {
        items.push_back(payment_json(query));
    }
    query.reset();
    return items;
}

}  // namespace shopd::payment
