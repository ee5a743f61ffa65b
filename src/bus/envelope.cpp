#include <boost/json.hpp>
#include <stdexcept>

#include <shopd/envelope.hpp>

namespace shopd {
namespace json = boost::json;
namespace {

const json::value& required(const json::object& object, std::string_view field) {
    const auto* value = object.if_contains(field);
    if (value == nullptr) {
        throw std::invalid_argument(std::string{field} + ": missing");
    }
    return *value;
}

std::string required_string(const json::object& object, std::string_view field,
                            bool may_be_empty = false) {
    const auto& value = required(object, field);
    if (!value.is_string()) {
        throw std::invalid_argument(std::string{field} + ": must be a string");
    }
    if (!may_be_empty && value.get_string().empty()) {
        throw std::invalid_argument(std::string{field} + ": must not be empty");
    }
    return std::string{value.get_string()};
}

}  // namespace

std::string redacted_payload(const std::string& payload, const std::vector<std::string>& fields) {
    static constexpr std::string_view kRedacted = "[redacted]";
    if (fields.empty()) {
        return payload;
    }
    json::error_code error;
    auto parsed = json::parse(payload, error);
    if (error || !parsed.is_object()) {
        return json::serialize(json::value(kRedacted));
    }
    auto& object = parsed.as_object();
    for (const auto& field : fields) {
        if (auto* value = object.if_contains(field)) {
            *value = kRedacted;
        }
    }
    return json::serialize(parsed);
}

json::value envelope_to_json(const Envelope& envelope) {
    json::object json{
        {"id", envelope.id},
        {"type", envelope.type},
        {"version", envelope.version},
        {"aggregate_type", envelope.aggregate_type},
        {"aggregate_id", envelope.aggregate_id},
        {"occurred_at", envelope.occurred_at},
        {"correlation_id", envelope.correlation_id},
        {"causation_id", envelope.causation_id},
        {"traceparent", envelope.traceparent},
        {"payload", json::parse(envelope.payload)},
    };
    if (!envelope.actor.empty()) {
        json["actor"] = envelope.actor;
    }
    return json;
}

Envelope envelope_from_json(const json::value& value) {
    const auto* object = value.if_object();
    if (object == nullptr) {
        throw std::invalid_argument("envelope: must be a JSON object");
    }
    Envelope envelope;
    envelope.id = required_string(*object, "id");
    envelope.type = required_string(*object, "type");
    const auto& version = required(*object, "version");
    if (!version.is_int64() || version.get_int64() < 1 || version.get_int64() > 1'000'000) {
        throw std::invalid_argument("version: must be a positive integer");
    }
    envelope.version = static_cast<int>(version.get_int64());
    envelope.aggregate_type = required_string(*object, "aggregate_type");
    envelope.aggregate_id = required_string(*object, "aggregate_id");
    envelope.occurred_at = required_string(*object, "occurred_at");
    envelope.correlation_id = required_string(*object, "correlation_id");
    envelope.causation_id = required_string(*object, "causation_id", true);
    envelope.traceparent = required_string(*object, "traceparent");
    const auto& payload = required(*object, "payload");
    if (!payload.is_object()) {
        throw std::invalid_argument("payload: must be a JSON object");
    }
    envelope.payload = json::serialize(payload);
    if (object->contains("actor")) {
        envelope.actor = required_string(*object, "actor");
    }
    return envelope;
}

}  // namespace shopd
