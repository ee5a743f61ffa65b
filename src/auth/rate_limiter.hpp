#pragma once
// Token buckets per client and class of route: a client may send `burst` requests at once and
// then `per_minute` a minute. Memory stays bounded however many clients come: a bucket that
// has filled up again holds nothing worth keeping, and past the cap the longest unused go.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace shopd::auth {

struct RateDecision {
    bool allowed = true;
    std::int64_t limit = 0;          // requests a window
    std::int64_t remaining = 0;      // requests left now
    std::int64_t reset_seconds = 0;  // until the bucket is full again
    std::int64_t retry_after = 0;    // seconds until one more request is allowed (when refused)
};

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    RateLimiter(std::int64_t per_minute, std::int64_t burst, std::size_t max_clients = 100'000);

    RateDecision take(const std::string& client, Clock::time_point now = Clock::now());
    std::int64_t per_minute() const { return per_minute_; }
    std::size_t clients() const;

  private:
    struct Bucket {
        double tokens;
        Clock::time_point updated;
    };
    double refilled(const Bucket& bucket, Clock::time_point now) const;
    void make_room(Clock::time_point now);

    const std::int64_t per_minute_;
    const double capacity_;
    const double per_second_;
    const std::size_t max_clients_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace shopd::auth
