#pragma once
// A message a subscriber gave up on, as the operator sees it: parked in the publisher's outbox,
// or in split mode in the subscriber's own database.

#include <string>

namespace shopd::bus {

struct DeadLetter {
    std::string id;  // <publishing module>.<outbox seq>.<subscriber>
    std::string publisher;
    std::string subscriber;
    std::string message_id;
    std::string type;
    int version = 1;
    std::string aggregate_type;
    std::string aggregate_id;
    std::string correlation_id;
    int attempts = 0;
    std::string error;
    std::string parked_at;
    std::string payload;
};

}  // namespace shopd::bus
