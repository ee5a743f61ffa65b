#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

#include <shopd/ids.hpp>

namespace shopd {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

std::uint64_t random_u64() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return generator();
}

// Writes the low `digits` hex digits of `value`, zero-padded, ending just before `end`. Ids are
// made for every message, so this avoids a format call (and its string) per field.
void write_hex(char* end, std::uint64_t value, int digits) {
    for (int i = 0; i < digits; ++i, value >>= 4) {
        *--end = kHexDigits[value & 0xf];
    }
}

bool is_lower_hex(std::string_view text) {
    return text.find_first_not_of(kHexDigits) == std::string_view::npos;
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
    std::string uuid(36, '-');
    write_hex(uuid.data() + 8, unix_ms >> 16, 8);
    write_hex(uuid.data() + 13, unix_ms & 0xffff, 4);
    write_hex(uuid.data() + 18, version_and_rand_a, 4);
    write_hex(uuid.data() + 23, variant_and_rand_b, 4);
    write_hex(uuid.data() + 36, random_b, 12);
    return uuid;
}

std::string new_traceparent() {
    // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2)
    std::string traceparent = "00-00000000000000000000000000000000-0000000000000000-01";
    write_hex(traceparent.data() + 19, random_u64(), 16);
    write_hex(traceparent.data() + 35, random_u64(), 16);
    write_hex(traceparent.data() + 52, random_u64(), 16);
    return traceparent;
}

std::string child_traceparent(std::string_view parent) {
    if (!is_valid_traceparent(parent)) {
        return new_traceparent();
    }
    std::string child{parent};
    child[0] = child[1] = '0';
    write_hex(child.data() + 52, random_u64(), 16);
    return child;
}

bool is_identifier(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
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
