#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fmt/format.h>

#include <shopd/ids.hpp>
#include <shopd/request_fields.hpp>
#include <shopd/whole_number.hpp>

namespace shopd::http {
namespace json = boost::json;

RequestFields::RequestFields(const json::object& object, std::vector<FieldError>& errors,
                             std::string path)
    : object_(object), errors_(errors), path_(std::move(path)) {}

std::string RequestFields::name(std::string_view key) const {
    return path_.empty() ? std::string{key} : fmt::format("{}.{}", path_, key);
}

void RequestFields::error(std::string_view key, std::string message) {
    errors_.push_back({name(key), std::move(message)});
}

const json::value* RequestFields::find(std::string_view key, bool required) {
    const auto* value = object_.if_contains(key);
    if (value == nullptr || value->is_null()) {
        if (required) {
            error(key, "is required");
        }
        return nullptr;
    }
    return value;
}

std::optional<std::string> RequestFields::optional_text(std::string_view key,
                                                        std::size_t max_length) {
    const auto* value = find(key, false);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        error(key, "must be a string");
        return std::nullopt;
    }
    const auto& text = value->get_string();
    if (text.empty()) {
        error(key, "must not be empty");
        return std::nullopt;
    }
    if (text.size() > max_length) {
        error(key, fmt::format("must be at most {} bytes", max_length));
        return std::nullopt;
    }
    // A NUL cuts the text short for whoever reads it as a C string; the other controls garble
    // logs and pages.
    const auto control = std::find_if(text.begin(), text.end(),
                                      [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    if (control != text.end()) {
        error(key, fmt::format("must not hold control characters (U+{:04X} at byte {})",
                               static_cast<unsigned char>(*control), control - text.begin()));
        return std::nullopt;
    }
    return std::string{text};
}

std::string RequestFields::text(std::string_view key, std::size_t max_length) {
    if (find(key, true) == nullptr) {
        return {};
    }
    return optional_text(key, max_length).value_or(std::string{});
}

bool RequestFields::boolean(std::string_view key) {
    const auto* value = find(key, true);
    if (value == nullptr) {
        return false;
    }
    if (!value->is_bool()) {
        error(key, "must be true or false");
        return false;
    }
    return value->get_bool();
}

std::string RequestFields::identifier(std::string_view key, std::size_t max_length) {
    auto value = text(key, max_length);
    if (!is_identifier(value)) {
        error(key, "may hold only letters, digits, '.', '_' and '-'");
    }
    return value;
}

std::string RequestFields::currency(std::string_view key) {
    auto value = text(key, 3);
    if (!value.empty() &&
        (value.size() != 3 ||
         !std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))) {
        error(key, "must be an ISO 4217 code such as EUR");
    }
    return value;
}

std::optional<std::int64_t> RequestFields::optional_integer(std::string_view key,
                                                            std::int64_t minimum,
                                                            std::int64_t maximum) {
    const auto* value = find(key, false);
    if (value == nullptr) {
        return std::nullopt;
    }
    // Boost.JSON keeps a number as uint64 only when it is too large for int64.
    if (!value->is_int64() && !value->is_uint64()) {
        error(key, "must be a whole number");
        return std::nullopt;
    }
    if (value->is_uint64() || value->get_int64() < minimum || value->get_int64() > maximum) {
        error(key, fmt::format("must be between {} and {}", minimum, maximum));
        return std::nullopt;
    }
    const std::optional<std::int64_t> number = value->get_int64();
    return number;
}

std::int64_t RequestFields::integer(std::string_view key, std::int64_t minimum,
                                    std::int64_t maximum) {
    if (find(key, true) == nullptr) {
        return minimum;
    }
    return optional_integer(key, minimum, maximum).value_or(minimum);
}

const json::array* RequestFields::array(std::string_view key) {
    const auto* value = find(key, true);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_array()) {
        error(key, "must be an array");
        return nullptr;
    }
    return &value->get_array();
}

const json::object* RequestFields::object(std::string_view key) {
    const auto* value = find(key, true);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_object()) {
        error(key, "must be an object");
        return nullptr;
    }
    return &value->get_object();
}

void RequestFields::only(std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object_) {
        if (std::find(known.begin(), known.end(), std::string_view{key}) == known.end()) {
            // An empty name is shown quoted, so the error still points at something.
            error(key.empty() ? std::string_view{"\"\""} : std::string_view{key},
                  "is not a known field");
        }
    }
}

Page page_of(const Request& request, std::vector<FieldError>& errors) {
    Page page;
    if (const auto limit = request.query_param("limit")) {
        if (const auto value = whole_number(*limit, 1, 200)) {
            page.limit = static_cast<int>(*value);
        } else {
            errors.push_back({"limit", "must be a whole number between 1 and 200"});
        }
    }
    if (const auto cursor = request.query_param("cursor")) {
        page.cursor = std::string{*cursor};
    }
    return page;
}

std::optional<Page> page_or_refuse(const Request& request, const Reply& reply) {
    std::vector<FieldError> errors;
    auto page = page_of(request, errors);
    if (!errors.empty()) {
        reply(validation_problem(errors));
        return std::nullopt;
    }
    return page;
}

Response page_response(json::array items, const Page& page, std::string_view cursor_field) {
    const bool full = !items.empty() && static_cast<int>(items.size()) == page.limit;
    auto next_cursor = full ? items.back().at(cursor_field) : json::value(nullptr);
    return json_response(
        200, json::object{{"items", std::move(items)}, {"next_cursor", std::move(next_cursor)}});
}

Response validation_problem(const std::vector<FieldError>& errors) {
    return problem(422, "validation", "Invalid request",
                   errors.size() == 1
                       ? fmt::format("{} {}", errors.front().field, errors.front().message)
                       : fmt::format("{} fields are invalid", errors.size()),
                   errors);
}

}  // namespace shopd::http
