#pragma once
// The shape every published message has: a C++ struct with a stable wire type name, a version
// and a Boost.JSON mapping (tag_invoke value_from / value_to). Modules share nothing else.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <concepts>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/envelope.hpp>

namespace shopd {

// A command asks exactly one module to act; an event tells any number of modules what happened.
enum class MessageKind { command, event };

template <class M>
concept Message = requires {
    { M::type_name } -> std::convertible_to<std::string_view>;
    { M::version } -> std::convertible_to<int>;
    { M::kind } -> std::convertible_to<MessageKind>;
}
&&requires(const M& message, const boost::json::value& json) {
    { boost::json::value_from(message) } -> std::same_as<boost::json::value>;
    { boost::json::value_to<M>(json) } -> std::same_as<M>;
};

// A message whose struct moved on from older versions says how to read them: upcast turns a
// payload of `from_version` into one of `from_version + 1`. Stored and relayed messages keep
// the version they were written with, so every older version must stay readable.
template <class M>
concept UpcastableMessage = Message<M> && requires(boost::json::value payload) {
    { M::upcast(1, std::move(payload)) } -> std::same_as<boost::json::value>;
};

// What a message is about: the unit of ordering. Every subscriber sees the messages of one
// aggregate in the order they were written.
struct AggregateRef {
    std::string_view type;
    std::string_view id;
};

// Thrown by a handler given a message about an aggregate its module has never heard of (an
// order of another shop on the same topics, a record written by hand): no retry can help, so
// the message is parked as a dead letter at once instead of after its attempts.
class UnknownAggregate : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Where a new subscription starts reading a publisher's messages.
enum class From {
    now,      // what is published from now on (a notifier must not resend old news)
    history,  // first what the publisher still retains, then what follows (a read model)
};

// A message type as the bus knows it: registered once with one version and kind.
struct MessageType {
    std::string name;
    int version = 1;
    MessageKind kind = MessageKind::event;
    // Top-level payload fields no view shows (dead letters, the journal, streams), and that the
    // outbox forgets once the message is answered (UnitOfWork::redact_published).
    std::vector<std::string> secret_fields = {};
};

// A message that carries a secret (a payment token) names its fields in `secret_fields`.
template <class M>
concept MessageWithSecrets = Message<M> && requires {
    M::secret_fields.size();
};

template <Message M>
MessageType message_type() {
    MessageType type{std::string{M::type_name}, M::version, M::kind};
    if constexpr (MessageWithSecrets<M>) {
        type.secret_fields.assign(M::secret_fields.begin(), M::secret_fields.end());
    }
    return type;
}

// Reads the payload of an envelope as M. An older payload is brought up to M's version one
// step at a time by M::upcast(from_version, payload), where M has one; a newer one cannot be
// read by this binary.
template <Message M>
M decode_payload(const Envelope& envelope) {
    const auto versions = [&] { return envelope.type + " v" + std::to_string(envelope.version); };
    if (envelope.version > M::version) {
        throw std::runtime_error(versions() + " is newer than this shopd understands (v" +
                                 std::to_string(M::version) + "); upgrade shopd, then replay it");
    }
    auto payload = boost::json::parse(envelope.payload);
    for (int version = envelope.version; version < M::version; ++version) {
        if constexpr (UpcastableMessage<M>) {
            payload = M::upcast(version, std::move(payload));
        } else {
            throw std::runtime_error(versions() + " cannot be read as v" +
                                     std::to_string(M::version) + ": " + envelope.type +
                                     " has no upcast");
        }
    }
    return boost::json::value_to<M>(payload);
}

}  // namespace shopd
