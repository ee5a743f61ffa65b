#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace shopd::bus {

// How hard the dispatcher tries before it parks a message as a dead letter, and how much work
// a module commits at once.
struct DeliveryPolicy {
    std::chrono::milliseconds retry_base{200};  // wait after the first failure
    std::chrono::milliseconds retry_cap{60'000};
    int max_attempts = 8;     // attempts before the delivery is parked
    int max_in_flight = 256;  // deliveries under way at once per publishing module
    int max_batch = 256;      // units of work one transaction commits together
    // How long the first unit queued for an idle module waits for others to join its batch.
    std::chrono::microseconds batch_wait{0};

    // The wait before attempt number `failed_attempts + 1`: doubling from retry_base, capped.
    std::chrono::milliseconds backoff(int failed_attempts) const;
};

// Where a message stands in the outbox of a publisher hosted in the same process. The
// subscriber's inbox records such a message as one bit of a block of positions, so a batch
// that handles many of them writes a row per block it touches rather than one per message.
struct OutboxPosition {
    std::string publisher;
    std::int64_t seq = 0;
};

struct DeliveryResult {
    enum class Status { delivered, duplicate, failed };
    Status status;
    std::string error;  // when failed
    // Failed on an aggregate the subscriber does not know (UnknownAggregate): park it at once.
    bool hopeless = false;
};

}  // namespace shopd::bus
