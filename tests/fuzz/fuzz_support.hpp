#pragma once
// What the fuzz targets share: reading the input the way the server reads a body, and
// stopping loudly when a property the code promises does not hold.

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include <shopd/config.hpp>
#include <shopd/request_fields.hpp>

namespace shopd::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A property failed: libFuzzer keeps the input that did it.
inline void require(bool holds, const char* property) {
    if (!holds) {
        std::fprintf(stderr, "property violated: %s\n", property);
        std::abort();
    }
}

// The body as the router hands it to a handler: a JSON object within the configured depth.
inline std::optional<boost::json::object> request_body(std::string_view text) {
    boost::json::parse_options options;
    options.max_depth = static_cast<std::size_t>(Config{}.server.json_max_depth);
    boost::system::error_code error;
    auto parsed = boost::json::parse(text, error, {}, options);
    if (error || !parsed.is_object()) {
        return std::nullopt;
    }
    return std::move(parsed.as_object());
}

// A refusal names each wrong field and turns into a 422 whose body is JSON.
inline void require_clear_refusal(const std::vector<http::FieldError>& errors) {
    require(!errors.empty(), "a refusal names at least one field");
    for (const auto& error : errors) {
        require(!error.field.empty() && !error.message.empty(),
                "every field error has a field and a message");
    }
    const auto response = http::validation_problem(errors);
    require(response.status == 422, "a refusal is a 422");
    boost::system::error_code error;
    boost::json::parse(response.body, error);
    require(!error, "the 422 body is JSON");
}

}  // namespace shopd::fuzz
