#pragma once
// Time as analytics reads it: instants given in RFC 3339, half-open ranges [from, to), buckets
// of a minute, an hour or a day (UTC), and percentiles. No I/O.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/clock.hpp>

namespace shopd::analytics {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;

// [from, to); an end left open is unbounded.
struct Range {
    std::optional<Instant> from;
    std::optional<Instant> to;
};

enum class Bucket { minute, hour, day };
std::optional<Bucket> bucket_named(std::string_view name);
std::chrono::milliseconds length_of(Bucket bucket);
// The start of the bucket `instant` falls in.
Instant bucket_start(Instant instant, Bucket bucket);

// Values summed into consecutive buckets from the one `from` falls in to the one before `to`,
// each starting at `starts[i]`; empty buckets hold 0.
struct Series {
    std::vector<Instant> starts;
    std::vector<std::int64_t> values;
};
Series empty_series(Instant from, Instant to, Bucket bucket);
// Adds `value` to the bucket of `at`, when one holds it.
void add_to(Series& series, Bucket bucket, Instant at, std::int64_t value);

// The nearest-rank percentile `p` (0 < p <= 100) of `values`; nullopt without values.
std::optional<std::int64_t> percentile(std::vector<std::int64_t> values, int p);

}  // namespace shopd::analytics
