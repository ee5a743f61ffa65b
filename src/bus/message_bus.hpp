#pragma once
// Who publishes and who handles which message: filled by the modules' registration code,
// frozen before the first message moves.

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <shopd/envelope.hpp>
#include <shopd/message.hpp>

namespace shopd::bus {

class UnitOfWork;

struct MessageType {
    std::string name;
    int version = 1;
    MessageKind kind = MessageKind::event;
};

template <Message M>
MessageType message_type() {
    return {std::string{M::type_name}, M::version, M::kind};
}

// Reads the payload of an envelope as M. An older payload is brought up to M's version one
// step at a time by M::upcast(from_version, payload), where M has one; a newer one cannot be
// read by this binary.
template <Message M>
M decode_payload(const Envelope& envelope) {
    if (envelope.version > M::version) {
        throw std::runtime_error(fmt::format(
            "{} v{} is newer than this shopd understands (v{}); upgrade shopd, then replay it",
            envelope.type, envelope.version, M::version));
    }
    auto payload = boost::json::parse(envelope.payload);
    for (int version = envelope.version; version < M::version; ++version) {
        if constexpr (UpcastableMessage<M>) {
            payload = M::upcast(version, std::move(payload));
        } else {
            throw std::runtime_error(fmt::format("{} v{} cannot be read as v{}: {} has no upcast",
                                                 envelope.type, envelope.version, M::version,
                                                 envelope.type));
        }
    }
    return boost::json::value_to<M>(payload);
}

using EnvelopeHandler = std::function<void(UnitOfWork&, const Envelope&)>;

struct Subscription {
    std::string module;
    MessageType message;
    EnvelopeHandler handler;
};

struct Publication {
    std::string module;
    MessageType message;
};

class MessageBus {
  public:
    template <Message M>
    void subscribe(std::string module, std::function<void(UnitOfWork&, const M&)> handler) {
        add_subscription(Subscription{
            std::move(module), message_type<M>(),
            [handler = std::move(handler)](UnitOfWork& unit_of_work, const Envelope& envelope) {
                handler(unit_of_work, decode_payload<M>(envelope));
            }});
    }

    template <Message M>
    void declare_publication(std::string module) {
        add_publication(Publication{std::move(module), message_type<M>()});
    }

    void add_subscription(Subscription subscription);
    void add_publication(Publication publication);

    // Checks the registrations as a whole; throws std::logic_error naming the first problem:
    // a command without exactly one handler, a type registered with two versions or kinds.
    void validate() const;

    const Subscription* subscription(std::string_view module, std::string_view type) const;
    const std::vector<std::string>& subscribers(std::string_view type) const;
    bool publishes(std::string_view module, std::string_view type) const;

    const std::vector<Subscription>& subscriptions() const { return subscriptions_; }
    const std::vector<Publication>& publications() const { return publications_; }

  private:
    void check_consistent(const MessageType& type) const;

    std::vector<Subscription> subscriptions_;
    std::vector<Publication> publications_;
    std::map<std::string, std::vector<std::string>, std::less<>> subscribers_by_type_;
};

}  // namespace shopd::bus
