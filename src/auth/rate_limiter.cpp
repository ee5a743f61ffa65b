#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace shopd::auth {

RateLimiter::RateLimiter(std::int64_t per_minute, std::int64_t burst, std::size_t max_clients)
    : per_minute_(per_minute),
      capacity_(static_cast<double>(burst > 0 ? burst : std::max<std::int64_t>(1, per_minute / 6))),
      per_second_(static_cast<double>(per_minute) / 60.0),
      max_clients_(max_clients) {}

double RateLimiter::refilled(const Bucket& bucket, Clock::time_point now) const {
    const auto elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    return std::min(capacity_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
}

void RateLimiter::make_room(Clock::time_point now) {
    std::erase_if(buckets_,
                  [&](const auto& entry) { return refilled(entry.second, now) >= capacity_; });
    if (buckets_.size() < max_clients_) {
        return;
    }
    // Every bucket is in use: the half unused the longest goes.
    std::vector<Clock::time_point> times;
    times.reserve(buckets_.size());
    for (const auto& [client, bucket] : buckets_) {
        times.push_back(bucket.updated);
    }
    auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
    std::nth_element(times.begin(), middle, times.end());
    const auto cutoff = *middle;
    std::erase_if(buckets_, [cutoff](const auto& entry) { return entry.second.updated <= cutoff; });
}

RateDecision RateLimiter::take(const std::string& client, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto found = buckets_.find(client);
    if (found == buckets_.end()) {
        if (buckets_.size() >= max_clients_) {
            make_room(now);
        }
        found = buckets_.emplace(client, Bucket{capacity_, now}).first;
    }
    auto& bucket = found->second;
    bucket.tokens = refilled(bucket, now);
    bucket.updated = now;
    RateDecision decision;
    decision.limit = per_minute_;
    decision.allowed = bucket.tokens >= 1.0;
    if (decision.allowed) {
        bucket.tokens -= 1.0;
    } else {
        decision.retry_after = std::max<std::int64_t>(
            1, static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) / per_second_)));
    }
    decision.remaining = static_cast<std::int64_t>(std::floor(bucket.tokens));
    decision.reset_seconds =
        static_cast<std::int64_t>(std::ceil((capacity_ - bucket.tokens) / per_second_));
    return decision;
}

std::size_t RateLimiter::clients() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace shopd::auth
