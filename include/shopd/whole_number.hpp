#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace shopd {

// All of `text` as a whole number in decimal within [minimum, maximum]; nullopt when it is
// not one (empty, a sign or space too many, other characters, out of range).
inline std::optional<std::int64_t> whole_number(
    std::string_view text, std::int64_t minimum = std::numeric_limits<std::int64_t>::min(),
    std::int64_t maximum = std::numeric_limits<std::int64_t>::max()) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() ||
        value < minimum || value > maximum) {
        return std::nullopt;
    }
    return value;
}

}  // namespace shopd
