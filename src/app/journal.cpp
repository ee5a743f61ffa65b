#include "app/journal.hpp"

#include <boost/json.hpp>

namespace shopd {
namespace json = boost::json;

namespace {

// A body that is JSON is shown as JSON, anything else as its text.
json::value body_of(const std::string& text) {
    boost::system::error_code error;
    auto parsed = json::parse(text, error);
    return error ? json::value(text) : parsed;
}

}  // namespace

std::optional<Journal::Kind> Journal::kind_named(std::string_view name) {
    if (name == "message") {
        return Kind::message;
    }
    if (name == "webhook") {
        return Kind::webhook;
    }
    return std::nullopt;
}

json::object message_json(std::string_view publisher, const Envelope& envelope) {
    return json::object{
        {"publisher", publisher},
        {"type", envelope.type},
        {"version", envelope.version},
        {"message_id", envelope.id},
        {"aggregate_type", envelope.aggregate_type},
        {"aggregate_id", envelope.aggregate_id},
        {"correlation_id", envelope.correlation_id},
        {"causation_id", envelope.causation_id},
        {"occurred_at", envelope.occurred_at},
        {"payload", body_of(envelope.payload)},
    };
}

void Journal::message(std::string_view publisher, const Envelope& envelope) {
    auto fields = message_json(publisher, envelope);
    fields.erase("occurred_at");
    fields["kind"] = "message";
    fields["at"] = envelope.occurred_at;
    add({Kind::message, envelope.aggregate_id, envelope.correlation_id, std::move(fields)});
}

void Journal::call(std::string_view module, const http::OutgoingRequest& request,
                   const http::OutgoingResult& result, const std::string& at) {
    add({Kind::webhook,
         request.about,
         {},
         json::object{
             {"kind", "webhook"},
             {"at", at},
             {"module", module},
             {"url", request.url},
             {"about", request.about},
             {"status", result.status == 0 ? json::value(nullptr) : json::value(result.status)},
             {"error", result.error.empty() ? json::value(nullptr) : json::value(result.error)},
             {"body", body_of(request.body)},
         }});
}

void Journal::add(Entry entry) {
    std::lock_guard lock(mutex_);
    if (entries_.size() == kCapacity) {
        entries_.pop_front();
        ++dropped_;
    }
    entries_.push_back(std::move(entry));
}

json::object Journal::list(std::optional<Kind> kind, std::string_view about) const {
    json::array items;
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
        if ((!kind || entry.kind == *kind) &&
            (about.empty() || entry.about == about || entry.correlation == about)) {
            items.push_back(entry.fields);
        }
    }
    return json::object{{"items", std::move(items)}, {"dropped", dropped_}};
}

void Journal::clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
    dropped_ = 0;
}

}  // namespace shopd
