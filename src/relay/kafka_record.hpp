#pragma once
// How an envelope travels over Kafka: key = aggregate id, value = the payload JSON, headers =
// the rest of the envelope. Kept apart from the client library so that any consumer can follow
// it and the tests can check it without brokers.

#include <string>
#include <utility>
#include <vector>

#include <shopd/envelope.hpp>

namespace shopd::relay {

struct KafkaRecord {
    std::string key;
    std::string value;
    std::vector<std::pair<std::string, std::string>> headers;  // in this order on the wire
};

KafkaRecord record_of(const Envelope& envelope);

// Throws std::invalid_argument naming what is missing or wrong, as envelope_from_json does.
Envelope envelope_of(const KafkaRecord& record);

}  // namespace shopd::relay
