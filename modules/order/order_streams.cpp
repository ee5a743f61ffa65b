#include "order_streams.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <fmt/format.h>

namespace shopd::order {
namespace json = boost::json;

namespace {

// What a page shows of the order beside its timeline; the timeline comes entry by entry.
json::object state_of(const json::object& order) {
    json::object state;
    for (const auto* key :
         {"id", "status", "step", "step_deadline", "cancel_reason", "total_cents", "currency",
          "payment_id", "shipment_id", "tracking_number", "updated_at"}) {
        if (const auto* value = order.if_contains(key)) {
            state[key] = *value;
        }
    }
    return state;
}

}  // namespace

std::shared_ptr<http::EventStream> OrderStreams::open(const json::object& order, std::size_t seen) {
    auto stream = std::make_shared<http::EventStream>();
    Watcher watcher{stream, seen};
    std::lock_guard lock(mutex_);
    if (send(watcher, order)) {
        watchers_[std::string{order.at("id").as_string()}].push_back(std::move(watcher));
    }
    return stream;
}

bool OrderStreams::watched(const std::string& order_id) const {
    std::lock_guard lock(mutex_);
    return watchers_.contains(order_id);
}

void OrderStreams::changed(const json::object& order) {
    std::lock_guard lock(mutex_);
    const auto found = watchers_.find(std::string{order.at("id").as_string()});
    if (found == watchers_.end()) {
        return;
    }
    std::erase_if(found->second, [&](Watcher& watcher) { return !send(watcher, order); });
    if (found->second.empty()) {
        watchers_.erase(found);
    }
}

void OrderStreams::close_all() {
    std::lock_guard lock(mutex_);
    for (const auto& [order_id, watchers] : watchers_) {
        for (const auto& watcher : watchers) {
            if (auto stream = watcher.stream.lock()) {
                stream->close();
            }
        }
    }
    watchers_.clear();
}

bool OrderStreams::send(Watcher& watcher, const json::object& order) {
    auto stream = watcher.stream.lock();
    if (!stream || stream->closed()) {
        return false;
    }
    const auto& timeline = order.at("timeline").as_array();
    std::string events;
    for (auto index = watcher.seen; index < timeline.size(); ++index) {
        events += fmt::format("id: {}\nevent: timeline\ndata: {}\n\n", index + 1,
                              json::serialize(timeline[index]));
    }
    watcher.seen = std::max(watcher.seen, timeline.size());
    // The state carries the id of the last entry it follows: resuming from it sends the state
    // again, never an entry twice.
    events += fmt::format("id: {}\nevent: order\ndata: {}\n\n", watcher.seen,
                          json::serialize(state_of(order)));
    return stream->push(std::move(events));
}

std::size_t entries_seen(const http::Request& request) {
    const auto header = request.header("Last-Event-ID");
    std::size_t seen = 0;
    if (header) {
        const auto* end = header->data() + header->size();
        if (std::from_chars(header->data(), end, seen).ptr != end) {
            seen = 0;
        }
    }
    return seen;
}

}  // namespace shopd::order
