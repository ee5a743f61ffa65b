#include "http/json_body.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <fmt/format.h>
#include <vector>

namespace shopd::http {
namespace json = boost::json;
namespace {

// Builds the value as boost::json::parse does, and keeps, for each open object, the keys it
// has had, and for each open array the index of its next element, to name a duplicate's path.
class StrictHandler {
  public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    json::value release() { return values_.release(); }
    const std::string& duplicate_key() const { return duplicate_; }

    bool on_document_begin(json::error_code&) {
        values_.reset();
        return true;
    }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        element_begins();
        open_.push_back(Open{true, {}, {}, 0});
        return true;
    }
    bool on_object_end(std::size_t size, json::error_code&) {
        open_.pop_back();
        values_.push_object(size);
        return true;
    }
    bool on_array_begin(json::error_code&) {
        element_begins();
        open_.push_back(Open{false, {}, {}, 0});
        return true;
    }
    bool on_array_end(std::size_t size, json::error_code&) {
        open_.pop_back();
        values_.push_array(size);
        return true;
    }
    bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
        key_.append(part.data(), part.size());
        values_.push_chars(part);
        return true;
    }
    bool on_key(json::string_view part, std::size_t, json::error_code& error) {
        key_.append(part.data(), part.size());
        auto& object = open_.back();
        if (std::find(object.keys.begin(), object.keys.end(), key_) != object.keys.end()) {
            duplicate_ = path_to(key_);
            error = make_error_code(std::errc::invalid_argument);
            return false;
        }
        object.keys.push_back(key_);
        object.current = std::move(key_);
        key_.clear();
        values_.push_key(part);
        return true;
    }
    bool on_string_part(json::string_view part, std::size_t, json::error_code&) {
        values_.push_chars(part);
        return true;
    }
    bool on_string(json::string_view part, std::size_t, json::error_code&) {
        element_begins();
        values_.push_string(part);
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t number, json::string_view, json::error_code&) {
        element_begins();
        values_.push_int64(number);
        return true;
    }
    bool on_uint64(std::uint64_t number, json::string_view, json::error_code&) {
        element_begins();
        values_.push_uint64(number);
        return true;
    }
    bool on_double(double number, json::string_view, json::error_code&) {
        element_begins();
        values_.push_double(number);
        return true;
    }
    bool on_bool(bool flag, json::error_code&) {
        element_begins();
        values_.push_bool(flag);
        return true;
    }
    bool on_null(json::error_code&) {
        element_begins();
        values_.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    struct Open {
        bool object;
        std::vector<std::string> keys;  // an object's keys so far: a request's are few
        std::string current;            // an object's key whose value is being read
        std::size_t next_index;         // an array's next element
    };

    // A value starts inside the innermost open array: the array's next index moves on.
    void element_begins() {
        if (!open_.empty() && !open_.back().object) {
            ++open_.back().next_index;
        }
    }

    std::string path_to(const std::string& key) const {
        std::string path;
        for (const auto& open : open_) {
            if (&open == &open_.back()) {
                break;
            }
            if (open.object) {
                path += path.empty() ? open.current : "." + open.current;
            } else {
                path += fmt::format("[{}]", open.next_index - 1);
            }
        }
        return path.empty() ? key : path + "." + key;
    }

    json::value_stack values_;
    std::vector<Open> open_;
    std::string key_;
    std::string duplicate_;
};

}  // namespace

JsonBody parse_json_body(std::string_view body, std::size_t max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    json::basic_parser<StrictHandler> parser(options);
    JsonBody parsed;
    const auto read = parser.write_some(false, body.data(), body.size(), parsed.error);
    if (!parsed.error && read < body.size()) {
        parsed.error = json::error::extra_data;
    }
    if (parsed.error) {
        parsed.duplicate_key = parser.handler().duplicate_key();
        return parsed;
    }
    parsed.value = parser.handler().release();
    return parsed;
}

}  // namespace shopd::http
