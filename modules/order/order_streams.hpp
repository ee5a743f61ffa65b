#pragma once
// Live views of single orders (GET /api/orders/{id}/stream): each open stream is sent the
// order's timeline entries it has not seen yet, then the order's state, each time the order
// changes. An entry's event id is its position in the timeline, so a client that reconnects
// with Last-Event-ID gets exactly the entries it missed: the timeline is kept with the order.

#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <shopd/http.hpp>

namespace shopd::order {

class OrderStreams {
  public:
    // A stream of `order` (as Saga::order reads it) that has seen its first `seen` entries.
    std::shared_ptr<http::EventStream> open(const boost::json::object& order, std::size_t seen);
    // Whether any stream follows the order: only then is its new state read for them.
    bool watched(const std::string& order_id) const;
    // The order changed: every stream of it is sent what it has not seen.
    void changed(const boost::json::object& order);
    // Closes every stream, so their connections end.
    void close_all();

  private:
    struct Watcher {
        std::weak_ptr<http::EventStream> stream;
        std::size_t seen;  // timeline entries sent
    };
    // False once the stream is gone.
    static bool send(Watcher& watcher, const boost::json::object& order);

    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<Watcher>> watchers_;
};

// The event id a client sent back (Last-Event-ID): the number of entries it has seen; 0 when
// absent or not a count.
std::size_t entries_seen(const http::Request& request);

}  // namespace shopd::order
