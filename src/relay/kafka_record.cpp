#include "relay/kafka_record.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <stdexcept>

namespace shopd::relay {
namespace json = boost::json;

KafkaRecord record_of(const Envelope& envelope) {
    KafkaRecord record{envelope.aggregate_id,
                       envelope.payload,
                       {{"id", envelope.id},
                        {"type", envelope.type},
                        {"version", std::to_string(envelope.version)},
                        {"aggregate_type", envelope.aggregate_type},
                        {"correlation_id", envelope.correlation_id},
                        {"causation_id", envelope.causation_id},
                        {"traceparent", envelope.traceparent},
                        {"occurred_at", envelope.occurred_at}}};
    if (!envelope.actor.empty()) {
        record.headers.emplace_back("actor", envelope.actor);
    }
    return record;
}

Envelope envelope_of(const KafkaRecord& record) {
    // The envelope is rebuilt as JSON so that exactly the checks of envelope_from_json apply.
    json::object envelope;
    for (const auto& [name, value] : record.headers) {
        if (name == "version") {
            std::int64_t version = 0;
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), version);
            if (error != std::errc{} || end != value.data() + value.size()) {
                throw std::invalid_argument("version: must be a positive integer");
            }
            envelope[name] = version;
        } else if (name != "aggregate_id" && name != "payload") {
            envelope[name] = value;
        }
    }
    envelope["aggregate_id"] = record.key;
    json::error_code error;
    auto payload = json::parse(record.value, error);
    if (error) {
        throw std::invalid_argument("payload: not JSON: " + error.message());
    }
    envelope["payload"] = std::move(payload);
    return envelope_from_json(envelope);
}

}  // namespace shopd::relay
