// Analytics' reading of time, without I/O.
#include <catch2/catch.hpp>

#include "period.hpp"

namespace shopd::analytics {
namespace {

using namespace std::chrono;

Instant at(std::string_view text) {
    const auto instant = parse_rfc3339(text);
    REQUIRE(instant);
    return *instant;
}

}  // namespace

TEST_CASE("instants read RFC 3339 with fractions and offsets, and nothing else", "[analytics]") {
    CHECK(rfc3339(at("2026-12-01T10:00:00Z")) == "2026-12-01T10:00:00.000Z");
    CHECK(rfc3339(at("2026-12-01T10:00:00.5Z")) == "2026-12-01T10:00:00.500Z");
    CHECK(rfc3339(at("2026-12-01T10:00:00.123456Z")) == "2026-12-01T10:00:00.123Z");
    CHECK(rfc3339(at("2026-12-01T11:30:00+01:30")) == "2026-12-01T10:00:00.000Z");
    CHECK(rfc3339(at("2026-12-01T00:00:00-02:00")) == "2026-12-01T02:00:00.000Z");
    for (const auto* wrong :
         {"yesterday", "2026-12-01", "2026-12-01T10:00:00", "2026-13-01T00:00:00Z",
          "2026-02-30T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T10:00:00.Z",
          "2026-12-01T10:00:00Zjunk", "2026-12-01T10:00:00+1:00"}) {
        INFO(wrong);
        CHECK_FALSE(parse_rfc3339(wrong));
    }
}

TEST_CASE("buckets start on whole minutes, hours and days in UTC", "[analytics]") {
    const auto instant = at("2026-12-01T10:17:42.250Z");
    CHECK(rfc3339(bucket_start(instant, Bucket::minute)) == "2026-12-01T10:17:00.000Z");
    CHECK(rfc3339(bucket_start(instant, Bucket::hour)) == "2026-12-01T10:00:00.000Z");
    CHECK(rfc3339(bucket_start(instant, Bucket::day)) == "2026-12-01T00:00:00.000Z");
    CHECK(rfc3339(bucket_start(at("1969-12-31T23:59:59Z"), Bucket::day)) ==
          "1969-12-31T00:00:00.000Z");
}

TEST_CASE("a series covers from the bucket of from to the last one before to", "[analytics]") {
    auto series =
        empty_series(at("2026-12-01T10:30:00Z"), at("2026-12-01T13:00:00Z"), Bucket::hour);
    REQUIRE(series.starts.size() == 3);
    CHECK(rfc3339(series.starts.front()) == "2026-12-01T10:00:00.000Z");
    add_to(series, Bucket::hour, at("2026-12-01T12:59:59.999Z"), 5);
    add_to(series, Bucket::hour, at("2026-12-01T13:00:00Z"), 7);  // past the end
    add_to(series, Bucket::hour, at("2026-12-01T09:59:59Z"), 7);  // before the start
    CHECK(series.values == std::vector<std::int64_t>{0, 0, 5});
}

TEST_CASE("percentiles take the nearest rank, none without values", "[analytics]") {
    CHECK_FALSE(percentile({}, 50));
    CHECK(percentile({7}, 95) == 7);
    CHECK(percentile({40, 10, 30, 20}, 50) == 20);
    CHECK(percentile({40, 10, 30, 20}, 95) == 40);
    std::vector<std::int64_t> hundred(100);
    for (int i = 0; i < 100; ++i) {
        hundred[i] = i + 1;
    }
    CHECK(percentile(hundred, 95) == 95);
}

}  // namespace shopd::analytics
