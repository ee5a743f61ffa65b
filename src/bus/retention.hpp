#pragma once
// How long a module keeps messages it no longer needs: its outbox rows once every subscriber
// has them, and its inbox rows, which answer redeliveries. Without this both tables grow with
// every order.

#include <chrono>
#include <cstdint>

#include <shopd/unit_of_work.hpp>

namespace shopd::bus {

struct Forgotten {
    std::int64_t outbox = 0;
    std::int64_t inbox = 0;
};

enum class Relay { off, on };

// Deletes the delivered outbox rows and the inbox rows older than `keep`. A row still pending
// or parked for any subscriber, or past a subscriber's saved progress, stays, whatever its age,
// and so does, with the relay on, a row the Kafka brokers have not acknowledged.
Forgotten forget_settled_messages(UnitOfWork& unit_of_work, std::chrono::milliseconds keep,
                                  Relay relay = Relay::off);

}  // namespace shopd::bus
