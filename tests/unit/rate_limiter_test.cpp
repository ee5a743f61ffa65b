#include "auth/rate_limiter.hpp"

#include <catch2/catch.hpp>

namespace shopd::auth {

using Clock = RateLimiter::Clock;

TEST_CASE("a client may send its burst at once, then its rate, and recovers as time passes") {
    RateLimiter limiter(60, 3);  // one a second, three at once
    const auto start = Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) {
        const auto decision = limiter.take("key a", start);
        CHECK(decision.allowed);
        CHECK(decision.remaining == 2 - i);
    }
    const auto refused = limiter.take("key a", start);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 1);
    CHECK(refused.limit == 60);
    CHECK(limiter.take("key b", start).allowed);  // another client has its own bucket

    CHECK(limiter.take("key a", start + std::chrono::milliseconds(1000)).allowed);
    CHECK_FALSE(limiter.take("key a", start + std::chrono::milliseconds(1500)).allowed);
    const auto rested = limiter.take("key a", start + std::chrono::seconds(60));
    CHECK(rested.allowed);
    CHECK(rested.remaining == 2);
    CHECK(rested.reset_seconds == 1);
}

TEST_CASE("however many clients come, the buckets kept stay bounded") {
    RateLimiter limiter(600, 0, 1000);
    const auto start = Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 250'000; ++i) {
        limiter.take("client " + std::to_string(i), start + std::chrono::microseconds(i));
    }
    CHECK(limiter.clients() <= 1000);
    // A client over its limit is kept: making room never forgets a bucket in use at once.
    for (int i = 0; i < 200; ++i) {
        limiter.take("flood", start + std::chrono::seconds(1));
    }
    CHECK_FALSE(limiter.take("flood", start + std::chrono::seconds(1)).allowed);
}

}  // namespace shopd::auth
