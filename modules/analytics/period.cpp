#include "period.hpp"

#include <algorithm>
#include <cmath>

#include <shopd/clock.hpp>

namespace shopd::analytics {
std::optional<Bucket> bucket_named(std::string_view name) {
    if (name == "minute") {
        return Bucket::minute;
    }
    if (name == "hour") {
        return Bucket::hour;
    }
    if (name == "day") {
        return Bucket::day;
    }
    return std::nullopt;
}

std::chrono::milliseconds length_of(Bucket bucket) {
    switch (bucket) {
        case Bucket::minute:
            return std::chrono::minutes{1};
        case Bucket::hour:
            return std::chrono::hours{1};
        case Bucket::day:
            return std::chrono::days{1};
    }
    return std::chrono::days{1};
}

Instant bucket_start(Instant instant, Bucket bucket) {
    const auto length = length_of(bucket);
    const auto since_epoch = instant.time_since_epoch();
    auto buckets = since_epoch / length;
    if (since_epoch % length < std::chrono::milliseconds::zero()) {
        --buckets;  // before 1970, down and not towards zero
    }
    return Instant{buckets * length};
}

Series empty_series(Instant from, Instant to, Bucket bucket) {
    Series series;
    for (auto start = bucket_start(from, bucket); start < to; start += length_of(bucket)) {
        series.starts.push_back(start);
        series.values.push_back(0);
    }
    return series;
}

void add_to(Series& series, Bucket bucket, Instant at, std::int64_t value) {
    if (series.starts.empty() || at < series.starts.front()) {
        return;
    }
    const auto index = static_cast<std::size_t>((at - series.starts.front()) / length_of(bucket));
    if (index < series.values.size()) {
        series.values[index] += value;
    }
}

std::optional<std::int64_t> percentile(std::vector<std::int64_t> values, int p) {
    if (values.empty()) {
        return std::nullopt;
    }
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(
        std::ceil(static_cast<double>(p) / 100.0 * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace shopd::analytics
