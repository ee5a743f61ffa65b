#include "util/ids.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <fmt/format.h>
#include <random>

namespace shopd {
namespace {

std::uint64_t random_u64() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return generator();
}

std::string hex(std::uint64_t value, int digits) {
    return fmt::format("{:0{}x}", value, digits);
}

bool is_lower_hex(std::string_view text) {
    return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string new_uuid_v7() {
    const auto unix_ms =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    const std::uint64_t random_a = random_u64();
    const std::uint64_t random_b = random_u64();
    const std::uint64_t version_and_rand_a = 0x7000 | (random_a & 0x0fff);
    const std::uint64_t variant_and_rand_b = 0x8000 | ((random_a >> 12) & 0x3fff);
    return fmt::format("{}-{}-{}-{}-{}", hex(unix_ms >> 16, 8), hex(unix_ms & 0xffff, 4),
                       hex(version_and_rand_a, 4), hex(variant_and_rand_b, 4),
                       hex(random_b & 0xffffffffffff, 12));
}

std::string new_traceparent() {
    return fmt::format("00-{}{}-{}-01", hex(random_u64(), 16), hex(random_u64(), 16),
                       hex(random_u64(), 16));
}

std::string child_traceparent(std::string_view parent) {
    if (!is_valid_traceparent(parent)) {
        return new_traceparent();
    }
    // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2)
    return fmt::format("00-{}-{}-{}", parent.substr(3, 32), hex(random_u64(), 16),
                       parent.substr(53, 2));
}

bool is_valid_traceparent(std::string_view traceparent) {
    if (traceparent.size() != 55 || traceparent[2] != '-' || traceparent[35] != '-' ||
        traceparent[52] != '-') {
        return false;
    }
    const auto version = traceparent.substr(0, 2);
    const auto trace_id = traceparent.substr(3, 32);
    const auto span_id = traceparent.substr(36, 16);
    const auto flags = traceparent.substr(53, 2);
    return is_lower_hex(version) && version != "ff" && is_lower_hex(trace_id) &&
           trace_id.find_first_not_of('0') != std::string_view::npos && is_lower_hex(span_id) &&
           span_id.find_first_not_of('0') != std::string_view::npos && is_lower_hex(flags);
}

}  // namespace shopd
