#pragma once
// Dead letters of split mode, kept in the subscriber's own database (intake_parked): the
// publisher, whose outbox holds the dead letters of one process, runs in another process.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/envelope.hpp>
#include <shopd/unit_of_work.hpp>

namespace shopd::bus {

struct DeadLetter;

// Whether a message of the envelope's aggregate is parked (or the envelope itself is parked or
// held already). A read: most messages find nothing and need no unit of work of their own.
bool waits_behind_parked(store::StatementCache& statements, const Envelope& envelope);

// Holds the envelope behind a parked message of its aggregate, in arrival order. True when it
// waits there now (also when it already did: a redelivery), false when nothing is parked for
// its aggregate and it may be handled.
bool hold_behind_parked(UnitOfWork& unit_of_work, const Envelope& envelope,
                        std::string_view publisher);

// Parks an envelope whose handler failed `attempts` times.
void park(UnitOfWork& unit_of_work, const Envelope& envelope, std::string_view publisher,
          int attempts, const std::string& error);

// The parked (not the held) messages, as dead letters of `subscriber`. On its strand.
std::vector<DeadLetter> parked_letters(store::StatementCache& statements,
                                       const std::string& subscriber);

struct ParkedMessage {
    std::int64_t seq = 0;
    int attempts = 0;
    Envelope envelope;
};

// The parked message `seq`, when it is parked and not only held. On its strand.
std::optional<ParkedMessage> parked_message(store::StatementCache& statements, std::int64_t seq);

// Forgets a message once handled, and returns the next one of its aggregate, if any.
std::optional<ParkedMessage> settle_parked(UnitOfWork& unit_of_work, std::int64_t seq,
                                           const std::string& aggregate_id);

// Records a failed replay: the message is parked again, with the error.
void park_again(UnitOfWork& unit_of_work, std::int64_t seq, int attempts, const std::string& error);

}  // namespace shopd::bus
