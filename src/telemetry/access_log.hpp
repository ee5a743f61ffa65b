#pragma once
// One line per answered request, written by a thread of its own: a request never waits for
// the terminal or the disk. When the writer falls behind, the oldest waiting lines are dropped
// and counted rather than held without bound.

#include <cstdint>
#include <memory>
#include <string_view>

#include <shopd/config.hpp>

namespace spdlog {
class async_logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace shopd::telemetry {

struct AccessEntry {
    std::string_view method;
    std::string_view route;  // the matched pattern; empty: none matched
    unsigned status = 0;
    double seconds = 0;
    std::uint64_t bytes = 0;  // of the response body
    std::string_view client;
    std::string_view actor;  // empty: nobody authenticated
    std::string_view request_id;
};

class AccessLog {
  public:
    explicit AccessLog(LogFormat format);
    ~AccessLog();

    void write(const AccessEntry& entry);
    // Lines dropped because the writer fell behind.
    std::uint64_t dropped() const;

  private:
    LogFormat format_;
    std::shared_ptr<spdlog::details::thread_pool> pool_;
    std::shared_ptr<spdlog::async_logger> logger_;
};

}  // namespace shopd::telemetry
