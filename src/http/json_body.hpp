#pragma once
// Parses a request body as strict JSON: RFC 8259, and no object names a key twice. A parser that
// lets the last of two keys win lets a client hide a field from whoever reads the body first
// (a proxy, a log, a signature check), so shopd refuses such a body instead.

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace shopd::http {

struct JsonBody {
    boost::json::value value;
    boost::system::error_code error;  // the syntax error, when the body is not JSON
    std::string duplicate_key;        // the path of a key given twice, e.g. items[0].quantity
};

JsonBody parse_json_body(std::string_view body, std::size_t max_depth);

}  // namespace shopd::http
