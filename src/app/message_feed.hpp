#pragma once
// GET /api/admin/stream: every message committed to a hosted module's outbox, as Server-Sent
// Events. The feed keeps the last kRetained messages while a stream is open and for
// kReconnectWindow after the last one closed, so a page that reconnects with Last-Event-ID
// misses nothing still kept and is told when it missed some. With nobody watching it keeps
// nothing and costs the messages nothing.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/envelope.hpp>
#include <shopd/http.hpp>

namespace shopd {

class MessageFeed {
  public:
    // A reconnect is sent what it missed in one piece, which must stay well under
    // server.stream_buffer_bytes (1 MiB by default; a message is about 600 bytes).
    static constexpr std::size_t kRetained = 500;
    static constexpr std::chrono::seconds kReconnectWindow{60};

    // A stream that has seen every message up to `seen` (0: none): the retained ones after it
    // come first.
    std::shared_ptr<http::EventStream> open(std::uint64_t seen);
    // Whether messages should be handed to add(): a stream is open, or closed only lately.
    // Asked for every unit of work that publishes, so it takes no lock.
    bool wanted() const;
    // One committed message, its payload as it may be shown. Thread-safe.
    void add(std::string_view publisher, const Envelope& envelope);
    void close_all();

  private:
    struct Retained {
        std::uint64_t seq;
        std::string event;  // as sent
    };
    void forget_closed_locked(std::chrono::steady_clock::time_point now);
    void watched_locked(std::chrono::steady_clock::time_point now);

    mutable std::mutex mutex_;
    std::deque<Retained> retained_;
    std::uint64_t last_seq_ = 0;
    std::vector<std::weak_ptr<http::EventStream>> streams_;
    // When a stream last opened or closed (0: never), and a copy of !streams_.empty(): atomics,
    // for wanted().
    std::atomic<std::chrono::steady_clock::rep> last_watched_ticks_{0};
    std::atomic<bool> streams_open_{false};
};

}  // namespace shopd
