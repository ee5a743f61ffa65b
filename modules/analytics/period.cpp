#include "period.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <shopd/clock.hpp>

namespace shopd::analytics {
namespace {

// Reads `digits` decimal digits at `position`, moving it on.
std::optional<int> number(std::string_view text, std::size_t& position, std::size_t digits) {
    if (position + digits > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    const auto* begin = text.data() + position;
    const auto [end, error] = std::from_chars(begin, begin + digits, value);
    if (error != std::errc{} || end != begin + digits) {
        return std::nullopt;
    }
    position += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& position, std::string_view one_of) {
    if (position < text.size() && one_of.find(text[position]) != std::string_view::npos) {
        ++position;
        return true;
    }
    return false;
}

}  // namespace

std::optional<Instant> parse_instant(std::string_view text) {
    using namespace std::chrono;
    std::size_t at = 0;
    const auto year = number(text, at, 4);
    if (!year || !expect(text, at, "-")) {
        return std::nullopt;
    }
    const auto month = number(text, at, 2);
    if (!month || !expect(text, at, "-")) {
        return std::nullopt;
    }
    const auto day = number(text, at, 2);
    if (!day || !expect(text, at, "Tt ")) {
        return std::nullopt;
    }
    const auto hour = number(text, at, 2);
    if (!hour || !expect(text, at, ":")) {
        return std::nullopt;
    }
    const auto minute = number(text, at, 2);
    if (!minute || !expect(text, at, ":")) {
        return std::nullopt;
    }
    const auto second = number(text, at, 2);
    if (!second) {
        return std::nullopt;
    }
    int millis = 0;
    if (expect(text, at, ".")) {
        int digits = 0;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
            if (digits < 3) {
                millis = millis * 10 + (text[at] - '0');
            }
            ++digits;
            ++at;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    minutes offset{0};
    if (!expect(text, at, "Zz")) {
        if (at >= text.size() || (text[at] != '+' && text[at] != '-')) {
            return std::nullopt;
        }
        const int sign = text[at++] == '-' ? -1 : 1;
        const auto offset_hours = number(text, at, 2);
        if (!offset_hours || !expect(text, at, ":")) {
            return std::nullopt;
        }
        const auto offset_minutes = number(text, at, 2);
        if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
            return std::nullopt;
        }
        offset = sign * (hours{*offset_hours} + minutes{*offset_minutes});
    }
    const year_month_day date{std::chrono::year{*year}, std::chrono::month{unsigned(*month)},
                              std::chrono::day{unsigned(*day)}};
    if (at != text.size() || !date.ok() || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    return sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second} +
           milliseconds{millis} - offset;
}

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
