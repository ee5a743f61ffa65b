#pragma once
// Test mode (server.test_mode): the routes under /api/test/ that let a test suite drive a real
// shop: move the shop clock, wait until nothing moves without it, read the journal of what
// happened, and start over from nothing or from a snapshot.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>

#include <shopd/clock.hpp>

#include "app/journal.hpp"
#include "app/snapshots.hpp"
#include "bus/messaging.hpp"
#include "http/router.hpp"

namespace shopd {

struct TestKitParts {
    ShopClock& clock;
    const bus::Messaging& messaging;
    const std::atomic<int>& outgoing_calls;
    Journal& journal;
    Snapshots& snapshots;
    boost::asio::any_io_executor executor;  // where waits for idle are timed
};

class TestKit {
  public:
    explicit TestKit(TestKitParts parts) : parts_(std::move(parts)) {}

    void add_routes(http::Router& router);

    // No unit of work queued, no message waiting for delivery (or for its retry), and no
    // outgoing call under way: nothing moves without a clock step or a request.
    bool idle() const;
    // Calls `done(true)` once idle(), or `done(false)` once `timeout` passed first; on the
    // executor, holding no thread meanwhile.
    void when_idle(std::chrono::milliseconds timeout, std::function<void(bool)> done) const;

  private:
    void add_state_routes(http::Router& router);

    TestKitParts parts_;
};

}  // namespace shopd
