#pragma once
// The envelope that carries every message, in-process and over Kafka alike.

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

namespace shopd {

struct Envelope {
    std::string id;  // UUIDv7, unique per message
    std::string type;
    int version = 1;
    std::string aggregate_type;
    std::string aggregate_id;
    std::string occurred_at;     // RFC 3339, UTC, milliseconds
    std::string correlation_id;  // the business flow, e.g. the order id
    std::string causation_id;    // id of the message that caused this one; empty for a request
    std::string traceparent;     // W3C trace context
    std::string payload;         // the message as JSON text
    // Who made the API call that published it ("key ops-1 (operator)"); empty when it was
    // published while handling another message, or by the shop itself (a timer).
    std::string actor = {};

    bool operator==(const Envelope&) const = default;
};

// The envelope as one JSON object (payload embedded as JSON), and back. Decoding validates
// every field and throws std::invalid_argument naming the field that is wrong.
boost::json::value envelope_to_json(const Envelope& envelope);
Envelope envelope_from_json(const boost::json::value& json);

// `payload` with each of `fields` (top level) shown as "[redacted]"; a payload that is not a
// JSON object is returned as "[redacted]" whole when there is anything to hide.
std::string redacted_payload(const std::string& payload, const std::vector<std::string>& fields);

}  // namespace shopd
