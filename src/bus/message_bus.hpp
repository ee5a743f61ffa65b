#pragma once
// Who publishes and who handles which message: filled by the modules' registration code,
// frozen before the first message moves.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <shopd/envelope.hpp>
#include <shopd/message.hpp>
#include <shopd/module.hpp>

namespace shopd::bus {

using EnvelopeHandler = std::function<void(UnitOfWork&, const Envelope&)>;

struct Subscription {
    std::string module;
    MessageType message;
    EnvelopeHandler handler;
    From from = From::now;
};

struct Publication {
    std::string module;
    MessageType message;
};

class MessageBus {
  public:
    template <Message M>
    void subscribe(std::string module, std::function<void(UnitOfWork&, const M&)> handler,
                   From from = From::now) {
        add_subscription(Subscription{std::move(module), message_type<M>(),
                                      handling<M>(std::move(handler)), from});
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
    // The payload fields of `type` that views hide; empty for a type nobody here declares.
    const std::vector<std::string>& secret_fields(std::string_view type) const;
    // `payload` of a message of `type` as every view shows it.
    std::string shown_payload(std::string_view type, const std::string& payload) const {
        return redacted_payload(payload, secret_fields(type));
    }

    // Where `subscriber` starts reading what `publisher` wrote before it first subscribed.
    From start_of(std::string_view subscriber, std::string_view publisher) const;
    // The module that declares `type`; empty when none does.
    std::string_view publisher_of(std::string_view type) const;

    const std::vector<Subscription>& subscriptions() const { return subscriptions_; }
    const std::vector<Publication>& publications() const { return publications_; }

  private:
    void check_consistent(const MessageType& type) const;

    std::vector<Subscription> subscriptions_;
    std::vector<Publication> publications_;
    std::map<std::string, std::vector<std::string>, std::less<>> subscribers_by_type_;
};

}  // namespace shopd::bus
