#pragma once
// The live channel: notifications pushed to every open Server-Sent Events stream that wants
// them (all, or one customer's).

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <shopd/http.hpp>

namespace shopd::notification {

class LiveFeed {
  public:
    // A stream of the notifications of `customer_id` (empty: everyone's).
    std::shared_ptr<http::EventStream> open(std::string customer_id);
    // Sends one event to every stream that wants this customer's notifications.
    void send(const std::string& customer_id, const std::string& event);
    // Closes every stream, so their connections end.
    void close_all();
    // The streams open now.
    std::size_t subscribers();

  private:
    struct Listener {
        std::weak_ptr<http::EventStream> stream;
        std::string customer_id;
    };
    std::mutex mutex_;
    std::vector<Listener> listeners_;
};

}  // namespace shopd::notification
