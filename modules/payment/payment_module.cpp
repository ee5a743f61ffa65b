// Wiring of the payment module: schema, messages, the provider and the read API.
#include <memory>

#include <shopd/module.hpp>
#include <shopd/modules.hpp>

#include "migrations.hpp"
#include "payments.hpp"

namespace shopd::payment {
using namespace contracts::payment;

ModuleDefinition module() {
    return {
        "payment", [](ModuleBuilder& builder) {
            builder.migrations(migrations());
            builder.publishes<PaymentCaptured>();
            builder.publishes<PaymentDeclined>();
            builder.publishes<PaymentRefunded>();

            auto payments = std::make_shared<const Payments>(
                std::make_unique<SimulatedProvider>(),
                PaymentMetrics{
                    builder.counter("shopd_payments_total",
                                    "Payment captures by outcome (captured, pending, declined) "
                                    "and decline reason",
                                    {"outcome", "reason"}),
                    builder.counter("shopd_refunds_total",
                                    "Refunds asked of the provider, by outcome (refunded, "
                                    "refused)",
                                    {"outcome"})});
            builder.subscribe<CapturePayment>(
                [payments](UnitOfWork& unit_of_work, const CapturePayment& command) {
                    payments->capture(unit_of_work, command);
                });
            builder.subscribe<RefundPayment>(
                [payments](UnitOfWork& unit_of_work, const RefundPayment& command) {
                    payments->refund(unit_of_work, command);
                });
            builder.every(
                std::chrono::milliseconds(100), "settling late captures",
                [payments](UnitOfWork& unit_of_work) { payments->settle_due(unit_of_work); });
            builder.on_reset([payments] { payments->forget(); });
            builder.collection({"/api/payments",
                                "payment",
                                "order_id",
                                {Role::customer, Role::operator_},
                                [payments](UnitOfWork& unit_of_work, const std::string& id) {
                                    return payments->payment(unit_of_work, PaymentId{id});
                                },
                                [payments](UnitOfWork& unit_of_work, const CollectionQuery& query) {
                                    return payments->payments(unit_of_work, query);
                                }});
        }};
}

}  // namespace shopd::payment
