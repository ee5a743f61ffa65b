#include <catch2/catch.hpp>

#include <shopd/clock.hpp>

namespace shopd {
namespace {

using namespace std::chrono_literals;

}  // namespace

TEST_CASE("a frozen shop clock stands still and moves only when advanced or set", "[clock]") {
    ShopClock clock;
    clock.freeze(true);
    const auto frozen_at = clock.now();
    CHECK(clock.now() == frozen_at);

    CHECK(clock.advance(90s));
    CHECK(clock.now() == frozen_at + 90s);
    CHECK(clock.set(frozen_at + 1h));
    CHECK(clock.now() == frozen_at + 1h);
}

TEST_CASE("the shop clock never goes back", "[clock]") {
    ShopClock clock;
    clock.freeze(true);
    const auto frozen_at = clock.now();
    CHECK_FALSE(clock.advance(-1ms));
    CHECK_FALSE(clock.set(frozen_at - 1ms));
    CHECK(clock.now() == frozen_at);
}

TEST_CASE("an unfrozen shop clock runs on from the frozen instant", "[clock]") {
    ShopClock clock;
    clock.freeze(true);
    CHECK(clock.advance(24h));
    const auto frozen_at = clock.now();
    clock.freeze(false);
    CHECK_FALSE(clock.frozen());
    const auto running = clock.now();
    CHECK(running >= frozen_at);
    CHECK(running > std::chrono::system_clock::now() + 23h);
}

TEST_CASE("a running shop clock keeps the offset it was advanced by", "[clock]") {
    ShopClock clock;
    CHECK(clock.advance(2h));
    CHECK(clock.now() >= std::chrono::system_clock::now() + 2h - 1s);
}

TEST_CASE("the shop clock tells its listeners each time it moves", "[clock]") {
    ShopClock clock;
    int moves = 0;
    clock.on_change([&] { ++moves; });
    clock.freeze(true);
    clock.freeze(true);  // no change
    clock.advance(1s);
    clock.set(clock.now() + 1s);
    clock.advance(-1s);  // refused
    CHECK(moves == 3);
}

}  // namespace shopd
