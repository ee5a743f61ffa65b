#include "http/router.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <strings.h>

#include "http/json_body.hpp"

namespace shopd::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 1;
    // "/" has no segments, as the request's path "/" has none.
    while (start <= path.size() && path != "/") {
        const auto slash = path.find('/', start);
        segments.emplace_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return segments;
}

bool is_parameter(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool is_json_media_type(std::string_view content_type) {
    const auto media_type = content_type.substr(0, content_type.find(';'));
    const auto trimmed = media_type.substr(0, media_type.find_last_not_of(' ') + 1);
    return trimmed.size() == 16 && strncasecmp(trimmed.data(), "application/json", 16) == 0;
}

}  // namespace

void Router::add(Route route) {
    if (route.pattern.empty() || route.pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': " + route.pattern);
    }
    auto segments = split_path(route.pattern);
    routes_.push_back(route);
    compiled_.push_back({std::move(route), std::move(segments)});
}

bool Router::matches(const Compiled& compiled, const Request& request) {
    if (compiled.segments.size() != request.segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < compiled.segments.size(); ++i) {
        const auto& expected = compiled.segments[i];
        if (is_parameter(expected) ? request.segments[i].empty()
                                   : expected != request.segments[i]) {
            return false;
        }
    }
    return true;
}

std::string Router::route(Request& request, Reply reply) const {
    const Compiled* found = nullptr;
    std::string allowed;
    for (const auto& compiled : compiled_) {
        if (!matches(compiled, request)) {
            continue;
        }
        if (compiled.route.method == request.method) {
            found = &compiled;
            break;
        }
        allowed += (allowed.empty() ? "" : ", ") + std::string{method_name(compiled.route.method)};
    }
    if (found == nullptr && !allowed.empty()) {
        if (auto preflight = cors_.preflight(request, allowed)) {
            reply(std::move(*preflight));
            return {};
        }
        auto response = problem(
            405, "method-not-allowed", "Method not allowed",
            fmt::format("{} is not allowed here; use {}", method_name(request.method), allowed));
        response.headers.push_back({"Allow", allowed});
        reply(std::move(response));
        return {};
    }
    if (found == nullptr) {
        reply(problem(404, "not-found", "Not found", "no resource at this path"));
        return {};
    }

    request.route = found->route.pattern;
    for (std::size_t i = 0; i < found->segments.size(); ++i) {
        const auto& segment = found->segments[i];
        if (is_parameter(segment)) {
            request.path_params[segment.substr(1, segment.size() - 2)] = request.segments[i];
        }
    }
    std::vector<Header> headers;
    cors_.add_headers(request, headers);
    auto refusal = gate_ ? gate_(request, found->route, headers) : std::nullopt;
    {
        if (auto told = observer_ ? observer_(request, found->route) : nullptr) {
            reply = Reply([reply, told = std::move(told)](Response response) {
                told(response);
                reply(std::move(response));
            });
        }
        if (!headers.empty()) {
            reply = Reply([reply, headers = std::move(headers)](Response response) {
                response.headers.insert(response.headers.end(), headers.begin(), headers.end());
                reply(std::move(response));
            });
        }
        if (refusal) {
            reply(std::move(*refusal));
            return found->route.pattern;
        }
    }
    if (found->route.body == Body::json_or_empty && request.body.empty()) {
        request.json = boost::json::object{};
    } else if (found->route.body != Body::none && found->route.body != Body::bytes) {
        const auto content_type = request.header("Content-Type");
        if (!content_type || !is_json_media_type(*content_type)) {
            reply(problem(415, "unsupported-media-type", "Unsupported media type",
                          "send the body as application/json"));
            return found->route.pattern;
        }
        auto parsed = parse_json_body(request.body, static_cast<std::size_t>(json_max_depth_));
        if (!parsed.duplicate_key.empty()) {
            reply(problem(400, "duplicate-key", "Duplicate key",
                          fmt::format("the body names '{}' more than once", parsed.duplicate_key),
                          {{parsed.duplicate_key, "appears more than once"}}));
            return found->route.pattern;
        }
        if (parsed.error) {
            reply(problem(400, "malformed-json", "Malformed JSON",
                          fmt::format("the body is not valid JSON: {}", parsed.error.message())));
            return found->route.pattern;
        }
        if (!parsed.value.is_object()) {
            reply(
                problem(400, "malformed-json", "Malformed JSON", "the body must be a JSON object"));
            return found->route.pattern;
        }
        request.json = std::move(parsed.value);
    }
    try {
        found->route.handler(request, reply);
    } catch (const std::exception& error) {
        // Ignored when the handler answered before it threw.
        spdlog::error("http: {} {} failed: {}", method_name(request.method), request.target,
                      error.what());
        reply(problem(500, "internal", "Internal server error"));
    }
    return found->route.pattern;
}

}  // namespace shopd::http
