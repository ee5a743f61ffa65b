#pragma once
// Reads the fields of a JSON request body and collects every problem with them, so one 422
// answer names all the wrong fields at once. Unknown fields are errors too: a misspelt
// optional field should not be silently ignored.

#include <boost/json/object.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/http.hpp>

namespace shopd::http {

class RequestFields {
  public:
    // `path` prefixes every field name in errors, e.g. "items[2]".
    RequestFields(const boost::json::object& object, std::vector<FieldError>& errors,
                  std::string path = {});

    // A non-empty string of at most max_length bytes with no control character (C0 or DEL);
    // "" (and an error) when it is not one.
    std::string text(std::string_view key, std::size_t max_length = 200);
    std::optional<std::string> optional_text(std::string_view key, std::size_t max_length = 200);
    // A code of letters, digits, '.', '_' and '-' (a SKU, a customer id).
    std::string identifier(std::string_view key, std::size_t max_length = 64);
    // An ISO 4217 currency code: three capital letters.
    std::string currency(std::string_view key);
    // A whole number within [minimum, maximum]; minimum (and an error) when it is not one.
    std::int64_t integer(std::string_view key, std::int64_t minimum, std::int64_t maximum);
    std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t minimum,
                                                 std::int64_t maximum);
    // true or false; false (and an error) when it is not one.
    bool boolean(std::string_view key);
    // Null (and an error when required) when the field is missing or of another type.
    const boost::json::array* array(std::string_view key);
    const boost::json::object* object(std::string_view key);

    // Every field not in `known` is an error.
    void only(std::initializer_list<std::string_view> known);

    std::string name(std::string_view key) const;
    void error(std::string_view key, std::string message);

  private:
    const boost::json::value* find(std::string_view key, bool required);

    const boost::json::object& object_;
    std::vector<FieldError>& errors_;
    std::string path_;
};

// The paging of a list: ?limit=1..200 (default 50) and ?cursor= (the next_cursor of the page
// before; opaque to the client).
struct Page {
    int limit = 50;
    std::string cursor;
};
Page page_of(const Request& request, std::vector<FieldError>& errors);
// The paging of a list route with no other query checks; nullopt once a bad ?limit or
// ?cursor has been answered with 422.
std::optional<Page> page_or_refuse(const Request& request, const Reply& reply);

// {"items": [...], "next_cursor": cursor or null}: when the page is full, next_cursor is the
// `cursor_field` of its last item, where the next page starts after.
Response page_response(boost::json::array items, const Page& page,
                       std::string_view cursor_field = "id");

// 422 naming every wrong field.
Response validation_problem(const std::vector<FieldError>& errors);

}  // namespace shopd::http
