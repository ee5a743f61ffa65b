#pragma once

#include <SQLiteCpp/Database.h>
#include <boost/json/serialize.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/envelope.hpp>
#include <shopd/message.hpp>
#include <shopd/statements.hpp>
#include <shopd/tracing.hpp>

namespace shopd {

namespace bus {
class ModuleRuntime;
}

// Where the work comes from: carried into every message it publishes.
struct MessageContext {
    std::string correlation_id = {};  // empty: each message correlates to its own aggregate
    std::string causation_id = {};    // the message being handled; empty for an API request
    std::string traceparent = {};     // empty: a new trace starts here
    std::string occurred_at = {};     // when the handled message was written; empty: a request
    // Who made the API call: its own or the one that published the handled message. Messages
    // published for a request carry it; those published while handling a message do not.
    std::string actor = {};
    // The X-Request-Id of the API request the work answers; empty for a message.
    std::string request_id = {};
};

struct PublishedMessage {
    std::string type;
    int deliveries;                         // hosted subscribers that will receive it
    std::optional<Envelope> envelope = {};  // kept only for test mode's journal
};

// One transaction on one module's database. Everything the work changes and every message it
// publishes commit together, or none of it does.
class UnitOfWork final : public SpanSink {
  public:
    // By the platform, which runs the unit of work.
    UnitOfWork(bus::ModuleRuntime& module, MessageContext context);

    SQLite::Database& database();
    store::StatementCache& statements();
    const MessageContext& context() const { return context_; }
    const std::string& module_name() const;
    // Business time (shopd/clock.hpp): what the work stamps on its records.
    ShopClock::time_point now() const;

    // Returns the message's id.
    template <Message M>
    std::string publish(const M& message, AggregateRef aggregate) {
        return publish_payload(M::type_name, M::version, aggregate,
                               boost::json::serialize(boost::json::value_from(message)));
    }

    // For messages whose struct the caller does not have: relayed or replayed ones.
    std::string publish_payload(std::string_view type, int version, AggregateRef aggregate,
                                const std::string& payload_json);

    // Once a message this module published was answered, its outbox row forgets the type's
    // secret fields (MessageType::secret_fields): no replay or view can show them again.
    void redact_published(const std::string& message_id);

    const std::vector<PublishedMessage>& published() const { return published_; }

    // A span within the work's trace, around a call that leaves the process (a payment
    // provider's, say). It is exported once the work commits, and forgotten if it rolls back.
    TraceSpan span(std::string_view name, SpanKind kind = SpanKind::client);
    // Puts what the work publishes from now on into the trace `traceparent` names: work that
    // runs by itself (a deadline passing) continues the trace of the record it acts on.
    void continue_trace(std::string traceparent) { context_.traceparent = std::move(traceparent); }
    void finished(SpanData span) override { spans_.push_back(std::move(span)); }
    std::vector<SpanData> take_spans() { return std::move(spans_); }

    // Runs `action` on the module's strand once this unit of work has committed; never when it
    // rolls back. For effects outside the database: waking a sender, pushing to a live stream.
    void after_commit(std::function<void()> action) { after_commit_.push_back(std::move(action)); }
    std::vector<std::function<void()>> take_after_commit() { return std::move(after_commit_); }

  private:
    bus::ModuleRuntime& module_;
    MessageContext context_;
    std::vector<PublishedMessage> published_;
    std::vector<std::function<void()>> after_commit_;
    std::vector<SpanData> spans_;
};

}  // namespace shopd
