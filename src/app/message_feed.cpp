#include "app/message_feed.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "app/journal.hpp"

namespace shopd {
namespace json = boost::json;

std::shared_ptr<http::EventStream> MessageFeed::open(std::uint64_t seen) {
    auto stream = std::make_shared<http::EventStream>();
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    forget_closed_locked(now);
    // Nobody watched for a while: what happened meanwhile was not kept.
    const std::chrono::steady_clock::time_point last_watched{
        std::chrono::steady_clock::duration{last_watched_ticks_.load()}};
    const bool lapsed = streams_.empty() && now - last_watched >= kReconnectWindow;
    if (lapsed) {
        retained_.clear();
    }
    if (seen > last_seq_) {
        // An id of an earlier run of shopd: every message kept is new to the client.
        stream->push(
            fmt::format("event: gap\ndata: {}\n\n",
                        json::serialize(json::object{{"after", seen}, {"resumes_at", nullptr}})));
        seen = 0;
    }
    const auto oldest = retained_.empty() ? last_seq_ + 1 : retained_.front().seq;
    if (seen > 0 && (lapsed || seen + 1 < oldest)) {
        stream->push(
            fmt::format("event: gap\ndata: {}\n\n",
                        json::serialize(json::object{{"after", seen}, {"resumes_at", oldest}})));
    }
    std::string backlog = ": connected\n\n";
    for (const auto& message : retained_) {
        if (message.seq > seen) {
            backlog += message.event;
        }
    }
    stream->push(std::move(backlog));
    streams_.push_back(stream);
    watched_locked(now);
    return stream;
}

bool MessageFeed::wanted() const {
    if (streams_open_.load(std::memory_order_relaxed)) {
        return true;
    }
    const auto ticks = last_watched_ticks_.load(std::memory_order_relaxed);
    const std::chrono::steady_clock::time_point last{std::chrono::steady_clock::duration{ticks}};
    return ticks != 0 && std::chrono::steady_clock::now() - last < kReconnectWindow;
}

void MessageFeed::watched_locked(std::chrono::steady_clock::time_point now) {
    last_watched_ticks_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    streams_open_.store(!streams_.empty(), std::memory_order_relaxed);
}

void MessageFeed::add(std::string_view publisher, const Envelope& envelope) {
    std::lock_guard lock(mutex_);
    const auto seq = ++last_seq_;
    auto event = fmt::format("id: {}\nevent: message\ndata: {}\n\n", seq,
                             json::serialize(message_json(publisher, envelope)));
    for (const auto& weak : streams_) {
        if (auto stream = weak.lock()) {
            stream->push(event);
        }
    }
    retained_.push_back({seq, std::move(event)});
    if (retained_.size() > kRetained) {
        retained_.pop_front();
    }
    forget_closed_locked(std::chrono::steady_clock::now());
}

void MessageFeed::close_all() {
    std::lock_guard lock(mutex_);
    for (const auto& weak : streams_) {
        if (auto stream = weak.lock()) {
            stream->close();
        }
    }
    streams_.clear();
}

void MessageFeed::forget_closed_locked(std::chrono::steady_clock::time_point now) {
    const auto before = streams_.size();
    std::erase_if(streams_, [](const std::weak_ptr<http::EventStream>& weak) {
        const auto stream = weak.lock();
        return !stream || stream->closed();
    });
    if (streams_.size() < before) {
        watched_locked(now);
    }
}

}  // namespace shopd
