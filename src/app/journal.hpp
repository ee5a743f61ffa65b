#pragma once
// What happened since the last reset, for test suites in test mode: every message committed
// to an outbox and every outgoing HTTP call a module made (a webhook attempt), oldest first.
// Bounded: past kCapacity entries the oldest go, and are counted.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <shopd/envelope.hpp>
#include <shopd/http.hpp>

namespace shopd {

// A committed message as the journal and the bus's stream show it: its envelope's fields, the
// publishing module, and the payload as JSON (its text when it is not JSON).
boost::json::object message_json(std::string_view publisher, const Envelope& envelope);

class Journal {
  public:
    static constexpr std::size_t kCapacity = 100'000;

    enum class Kind { message, webhook };
    static std::optional<Kind> kind_named(std::string_view name);

    // Thread-safe.
    void message(std::string_view publisher, const Envelope& envelope);
    void call(std::string_view module, const http::OutgoingRequest& request,
              const http::OutgoingResult& result, const std::string& at);
    // {"items": [...], "dropped": N}: the entries of `kind` (any when none) about `about`
    // (an aggregate or correlation id; any when empty).
    boost::json::object list(std::optional<Kind> kind, std::string_view about) const;
    void clear();

  private:
    struct Entry {
        Kind kind;
        std::string about;        // the aggregate id of a message, the subject of a call
        std::string correlation;  // of a message
        boost::json::object fields;
    };
    void add(Entry entry);

    mutable std::mutex mutex_;
    std::deque<Entry> entries_;
    std::int64_t dropped_ = 0;
};

}  // namespace shopd
