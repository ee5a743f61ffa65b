#include "live_feed.hpp"

#include <algorithm>

namespace shopd::notification {

std::shared_ptr<http::EventStream> LiveFeed::open(std::string customer_id) {
    auto stream = std::make_shared<http::EventStream>();
    // A first comment, so the client sees the stream open before any notification.
    stream->push(": connected\n\n");
    std::lock_guard lock(mutex_);
    listeners_.push_back({stream, std::move(customer_id)});
    return stream;
}

void LiveFeed::send(const std::string& customer_id, const std::string& event) {
    std::lock_guard lock(mutex_);
    std::erase_if(listeners_, [&](const Listener& listener) {
        auto stream = listener.stream.lock();
        if (!stream) {
            return true;
        }
        if (!listener.customer_id.empty() && listener.customer_id != customer_id) {
            return stream->closed();
        }
        return !stream->push(event);
    });
}

void LiveFeed::close_all() {
    std::lock_guard lock(mutex_);
    for (const auto& listener : listeners_) {
        if (auto stream = listener.stream.lock()) {
            stream->close();
        }
    }
    listeners_.clear();
}

std::size_t LiveFeed::subscribers() {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(listeners_.begin(), listeners_.end(), [](const Listener& listener) {
            const auto stream = listener.stream.lock();
            return stream && !stream->closed();
        }));
}

}  // namespace shopd::notification
