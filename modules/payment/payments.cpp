#include "payments.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <boost/json.hpp>

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

void Payments::capture(UnitOfWork& unit_of_work, const CapturePayment& command) const {
    auto& existing = unit_of_work.statements().get("SELECT 1 FROM payment WHERE order_id = ?");
    existing.bind(1, command.order_id);
    const bool asked_before = existing.executeStep();
    existing.reset();
    if (asked_before) {
        return;  // one capture per order, whatever is redelivered
    }
    const auto answer = provider_->capture(
        {command.order_id, command.amount_cents, command.currency, command.payment_token});
    const auto status = status_after(answer);
    const PaymentId id{new_uuid_v7()};
    const auto now = rfc3339(unit_of_work.now());
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO payment (id, order_id, customer_id, status, amount_cents, currency, "
        "decline_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SQLite::bind(insert, id.str(), command.order_id, command.customer_id,
                 std::string{to_string(status)}, command.amount_cents, command.currency,
                 std::string{answer ? std::string_view{} : to_string(answer.error().code)}, now,
                 now);
    if (answer) {
        insert.bind(7);  // NULL: not declined
    }
    insert.exec();
    const auto order = contracts::order::order_aggregate(command.order_id);
    if (!answer) {
        unit_of_work.publish(PaymentDeclined{command.order_id, id.str(),
                                             std::string{to_string(answer.error().code)}},
                             order);
    } else if (*answer == Capture::captured) {
        unit_of_work.publish(
            PaymentCaptured{command.order_id, id.str(), command.amount_cents, command.currency},
            order);
    }
    // pending: the provider has not answered; the order's deadline decides.
}

void Payments::refund(UnitOfWork& unit_of_work, const RefundPayment& command) const {
    auto& query = unit_of_work.statements().get(
        "SELECT id, customer_id, status, amount_cents, currency FROM payment WHERE order_id = ?");
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
    query.reset();
    const auto refund = status ? refund_of(*status) : std::nullopt;
    if (!refund) {
        return;  // declined, or given back already
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

json::array Payments::payments(UnitOfWork& unit_of_work, const std::string& order_id,
                               const std::string& before_id, int limit) const {
    auto& query = unit_of_work.statements().get(
        std::string{kPaymentColumns} +
        "WHERE (?1 = '' OR order_id = ?1) AND (?2 = '' OR id < ?2) ORDER BY id DESC LIMIT ?3");
    SQLite::bind(query, order_id, before_id, limit);
    json::array items;
    while (query.executeStep()) {
        items.push_back(payment_json(query));
    }
    query.reset();
    return items;
}

}  // namespace shopd::payment
