#include <algorithm>
#include <fmt/format.h>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>
#include <shopd/unit_of_work.hpp>

#include "bus/message_bus.hpp"
#include "bus/module_runtime.hpp"
#include "telemetry/tracer.hpp"

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

std::string UnitOfWork::publish_payload(std::string_view type, int version, AggregateRef aggregate,
                                        const std::string& payload_json) {
    const auto& bus = module_.bus();
    if (!bus.publishes(module_.name(), type)) {
        throw std::logic_error(
            fmt::format("module '{}' publishes '{}' without declaring it", module_.name(), type));
    }
    auto span =
        module_.tracer().start("publish", type, SpanKind::producer, context_.traceparent, this);
    Envelope envelope{
        .id = new_uuid_v7(),
        .type = std::string{type},
        .version = version,
        .aggregate_type = std::string{aggregate.type},
        .aggregate_id = std::string{aggregate.id},
        .occurred_at = rfc3339(now()),
        .correlation_id =
            context_.correlation_id.empty() ? std::string{aggregate.id} : context_.correlation_id,
        .causation_id = context_.causation_id,
        .traceparent = span.traceparent(),
        .payload = {},
        .actor = context_.causation_id.empty() ? context_.actor : std::string{},
    };
    auto& insert = statements().get(
        "INSERT INTO outbox (id, aggregatetype, aggregateid, type, version, payload, occurred_at,"
        " correlation_id, causation_id, traceparent, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)");
    insert.bind(1, envelope.id);
    insert.bind(2, envelope.aggregate_type);
    insert.bind(3, envelope.aggregate_id);
    insert.bind(4, envelope.type);
    insert.bind(5, version);
    insert.bind(6, payload_json);
    insert.bind(7, envelope.occurred_at);
    insert.bind(8, envelope.correlation_id);
    insert.bind(9, envelope.causation_id);
    insert.bind(10, envelope.traceparent);
    insert.bind(11, envelope.actor);
    insert.exec();
    telemetry::describe_message(span, "shopd", "send", envelope.type, envelope);
    span.set("shopd.module", module_.name());

    const auto& subscribers = bus.subscribers(type);
    const auto deliveries = std::count_if(
        subscribers.begin(), subscribers.end(),
        [this](const std::string& subscriber) { return module_.is_hosted(subscriber); });
    auto id = envelope.id;
    if (module_.journals()) {
        envelope.payload = payload_json;
        published_.push_back(
            {std::string{type}, static_cast<int>(deliveries), std::move(envelope)});
    } else {
        published_.push_back({std::string{type}, static_cast<int>(deliveries)});
    }
    return id;
}

TraceSpan UnitOfWork::span(std::string_view name, SpanKind kind) {
    auto span = module_.tracer().start(name, {}, kind, context_.traceparent, this);
    span.set("shopd.module", module_.name());
    return span;
}

void UnitOfWork::redact_published(const std::string& message_id) {
    auto& row = statements().get("SELECT type, payload FROM outbox WHERE id = ?");
    row.bind(1, message_id);
    if (!row.executeStep()) {
        row.reset();
        return;  // already past retention
    }
    const auto type = row.getColumn(0).getString();
    const auto payload = row.getColumn(1).getString();
    row.reset();
    const auto redacted = module_.bus().shown_payload(type, payload);
    if (redacted != payload) {
        auto& update = statements().get("UPDATE outbox SET payload = ? WHERE id = ?");
        update.bind(1, redacted);
        update.bind(2, message_id);
        update.exec();
        update.reset();
    }
}

}  // namespace shopd
