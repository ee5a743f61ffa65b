// The router with shopd's real route table (every operation of the OpenAPI document): any
// method, target, headers and body get exactly one answer, from the matched route's handler
// with all its parameters and a JSON object body, or a 400, 404, 405 or 415 of its own.
//
// Input: "METHOD TARGET\n", then "Name: value\n" header lines, an empty line and the body.
#include <boost/json.hpp>
#include <string>

#include <shopd/modules.hpp>

#include "fuzz_support.hpp"
#include "http/router.hpp"

namespace {
using namespace shopd;
using fuzz::require;

http::Method method_named(std::string_view name) {
    for (const auto method :
         {http::Method::get, http::Method::head, http::Method::post, http::Method::put,
          http::Method::patch, http::Method::delete_, http::Method::options}) {
        if (http::method_name(method) == name) {
            return method;
        }
    }
    return http::Method::other;
}

// The handler behind every route: checks what the router promised it, then answers 200.
http::Handler checking_handler(std::string pattern, http::Body body) {
    return [pattern = std::move(pattern), body](const http::Request& request, http::Reply reply) {
        for (std::size_t open = pattern.find('{'); open != std::string::npos;
             open = pattern.find('{', open + 1)) {
            const auto name = pattern.substr(open + 1, pattern.find('}', open) - open - 1);
            const auto found = request.path_params.find(name);
            require(found != request.path_params.end() && !found->second.empty(),
                    "a handler gets every parameter of its pattern, non-empty");
        }
        require(body == http::Body::none || request.json.is_object(),
                "a JSON route's handler gets an object");
        reply(http::Response{200, "text/plain", {}, "ok", nullptr});
    };
}

const http::Router& shop_router() {
    static const http::Router router = [] {
        http::Router built(Config{}.server.json_max_depth);
        const auto document = boost::json::parse(builtin_openapi());
        for (const auto& [path, operations] : document.at("paths").as_object()) {
            for (const auto& [verb, operation] : operations.as_object()) {
                std::string method_text{verb};
                for (auto& c : method_text) {
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                }
                const auto body = operation.as_object().contains("requestBody") ? http::Body::json
                                                                                : http::Body::none;
                built.add(method_named(method_text), std::string{path}, body,
                          checking_handler(std::string{path}, body));
            }
        }
        return built;
    }();
    return router;
}

std::string_view take_line(std::string_view& text) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto input = fuzz::text_of(data, size);
    const auto request_line = take_line(input);
    const auto space = request_line.find(' ');
    if (space == std::string_view::npos) {
        return 0;
    }
    http::Request request;
    if (!http::read_target(request_line.substr(space + 1), request)) {
        return 0;  // the server answers 400 before routing
    }
    request.method = method_named(request_line.substr(0, space));
    for (auto line = take_line(input); !line.empty(); line = take_line(input)) {
        const auto colon = line.find(':');
        const auto value =
            colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        request.headers.push_back(
            {std::string{line.substr(0, colon)},
             std::string{value.substr(std::min(value.find_first_not_of(' '), value.size()))}});
    }
    request.body = std::string{input};

    int answers = 0;
    unsigned status = 0;
    const auto matched = shop_router().route(request, http::Reply([&](http::Response response) {
                                                 ++answers;
                                                 status = response.status;
                                             }));
    require(answers == 1, "every request gets exactly one answer");
    const bool routed = status == 200 || status == 400 || status == 415;
    require(routed || status == 404 || status == 405, "the answer is the handler's or a 4xx");
    require(routed == !matched.empty(), "a matched route is reported, an unmatched one is not");
    return 0;
}
