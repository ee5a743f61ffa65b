#include <algorithm>
#include <fmt/format.h>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>
#include <shopd/unit_of_work.hpp>

#include "bus/message_bus.hpp"
#include "bus/module_runtime.hpp"

namespace shopd {

UnitOfWork::UnitOfWork(bus::ModuleRuntime& module, MessageContext context)
    : module_(module), context_(std::move(context)) {}

SQLite::Database& UnitOfWork::database() {
    return module_.database();
}

store::StatementCache& UnitOfWork::statements() {
    return module_.statements();
}

const std::string& UnitOfWork::module_name() const {
    return module_.name();
}

ShopClock::time_point UnitOfWork::now() const {
    return module_.clock().now();
}

void UnitOfWork::publish_payload(std::string_view type, int version, AggregateRef aggregate,
                                 const std::string& payload_json) {
    const auto& bus = module_.bus();
    if (!bus.publishes(module_.name(), type)) {
        throw std::logic_error(
            fmt::format("module '{}' publishes '{}' without declaring it", module_.name(), type));
    }
    auto& insert = statements().get(
        "INSERT INTO outbox (id, aggregatetype, aggregateid, type, version, payload, occurred_at,"
        " correlation_id, causation_id, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, new_uuid_v7());
    insert.bind(2, std::string{aggregate.type});
    insert.bind(3, std::string{aggregate.id});
    insert.bind(4, std::string{type});
    insert.bind(5, version);
    insert.bind(6, payload_json);
    insert.bind(7, rfc3339(now()));
    insert.bind(
        8, context_.correlation_id.empty() ? std::string{aggregate.id} : context_.correlation_id);
    insert.bind(9, context_.causation_id);
    insert.bind(10, context_.traceparent.empty() ? new_traceparent()
                                                 : child_traceparent(context_.traceparent));
    insert.exec();

    const auto& subscribers = bus.subscribers(type);
    const auto deliveries = std::count_if(
        subscribers.begin(), subscribers.end(),
        [this](const std::string& subscriber) { return module_.is_hosted(subscriber); });
    published_.push_back({std::string{type}, static_cast<int>(deliveries)});
}

}  // namespace shopd
