#include "bus/message_bus.hpp"

#include <algorithm>

namespace shopd::bus {

void MessageBus::check_consistent(const MessageType& type) const {
    const auto conflicts = [&](const MessageType& other) {
        return other.name == type.name &&
               (other.version != type.version || other.kind != type.kind);
    };
    const bool conflict =
        std::any_of(subscriptions_.begin(), subscriptions_.end(),
                    [&](const Subscription& s) { return conflicts(s.message); }) ||
        std::any_of(publications_.begin(), publications_.end(),
                    [&](const Publication& p) { return conflicts(p.message); });
    if (conflict) {
        throw std::logic_error(fmt::format(
            "message type '{}' is registered with different versions or kinds", type.name));
    }
}

void MessageBus::add_subscription(Subscription subscription) {
    check_consistent(subscription.message);
    if (this->subscription(subscription.module, subscription.message.name) != nullptr) {
        throw std::logic_error(fmt::format("module '{}' subscribes to '{}' twice",
                                           subscription.module, subscription.message.name));
    }
    subscribers_by_type_[subscription.message.name].push_back(subscription.module);
    subscriptions_.push_back(std::move(subscription));
}

void MessageBus::add_publication(Publication publication) {
    check_consistent(publication.message);
    if (!publishes(publication.module, publication.message.name)) {
        publications_.push_back(std::move(publication));
    }
}

const std::vector<std::string>& MessageBus::secret_fields(std::string_view type) const {
    static const std::vector<std::string> kNone;
    for (const auto& publication : publications_) {
        if (publication.message.name == type) {
            return publication.message.secret_fields;
        }
    }
    for (const auto& subscription : subscriptions_) {
        if (subscription.message.name == type) {
            return subscription.message.secret_fields;
        }
    }
    return kNone;
}

void MessageBus::validate() const {
    for (const auto& publication : publications_) {
        const auto handlers = subscribers(publication.message.name).size();
        if (publication.message.kind == MessageKind::command && handlers != 1) {
            throw std::logic_error(
                fmt::format("command '{}' (published by '{}') needs exactly one handler, has {}",
                            publication.message.name, publication.module, handlers));
        }
    }
    for (const auto& subscription : subscriptions_) {
        if (subscription.message.kind == MessageKind::command &&
            subscribers(subscription.message.name).size() != 1) {
            throw std::logic_error(
                fmt::format("command '{}' has more than one handler", subscription.message.name));
        }
        // A subscriber reads a publisher's outbox from one point on: from now, or from the
        // history, for every type it takes of that publisher.
        const auto from_publisher = [&](const Subscription& other) {
            return other.module == subscription.module &&
                   publisher_of(other.message.name) == publisher_of(subscription.message.name);
        };
        for (const auto& other : subscriptions_) {
            if (from_publisher(other) && other.from != subscription.from) {
                throw std::logic_error(fmt::format(
                    "module '{}' subscribes to '{}' and '{}' of one publisher, one from now and "
                    "one from the history",
                    subscription.module, subscription.message.name, other.message.name));
            }
        }
    }
}

From MessageBus::start_of(std::string_view subscriber, std::string_view publisher) const {
    for (const auto& subscription : subscriptions_) {
        if (subscription.module == subscriber &&
            publisher_of(subscription.message.name) == publisher) {
            return subscription.from;
        }
    }
    return From::now;
}

std::string_view MessageBus::publisher_of(std::string_view type) const {
    for (const auto& publication : publications_) {
        if (publication.message.name == type) {
            return publication.module;
        }
    }
    return {};
}

const Subscription* MessageBus::subscription(std::string_view module, std::string_view type) const {
    const auto found = std::find_if(
        subscriptions_.begin(), subscriptions_.end(),
        [&](const Subscription& s) { return s.module == module && s.message.name == type; });
    return found == subscriptions_.end() ? nullptr : &*found;
}

const std::vector<std::string>& MessageBus::subscribers(std::string_view type) const {
    static const std::vector<std::string> none;
    const auto found = subscribers_by_type_.find(type);
    return found == subscribers_by_type_.end() ? none : found->second;
}

bool MessageBus::publishes(std::string_view module, std::string_view type) const {
    return std::any_of(publications_.begin(), publications_.end(), [&](const Publication& p) {
        return p.module == module && p.message.name == type;
    });
}

}  // namespace shopd::bus
