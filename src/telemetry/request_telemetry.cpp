#include "telemetry/request_telemetry.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fmt/format.h>

#include <shopd/ids.hpp>

namespace shopd::telemetry {
namespace json = boost::json;

namespace {

constexpr std::size_t kLongestRequestId = 128;

// RFC 9457's instance: this occurrence of the problem, which the request id names.
void mark_problem(http::Response& response, const std::string& request_id) {
    if (response.content_type != "application/problem+json") {
        return;
    }
    boost::system::error_code error;
    auto body = json::parse(response.body, error);
    if (error || !body.is_object()) {
        return;
    }
    body.as_object()["instance"] = request_id;
    response.body = json::serialize(body);
}

}  // namespace

std::string given_request_id(const http::Request& request) {
    const auto given = request.header("X-Request-Id");
    if (!given || given->empty() || given->size() > kLongestRequestId || !is_identifier(*given)) {
        return {};
    }
    return std::string{*given};
}

RequestTelemetry::Exchange RequestTelemetry::begin(http::Request& request) const {
    request.request_id = given_request_id(request);
    if (request.request_id.empty()) {
        request.request_id = new_uuid_v7();
    }
    const auto parent = request.header("traceparent").value_or(std::string_view{});
    const auto state = request.header("tracestate").value_or(std::string_view{});
    Exchange exchange{tracer_.start(http::method_name(request.method), {}, SpanKind::server, parent,
                                    nullptr, is_valid_traceparent(parent) ? state : "")};
    request.traceparent = exchange.span.traceparent();
    return exchange;
}

void RequestTelemetry::end(Exchange& exchange, const http::Request& request,
                           http::Response& response) const {
    const auto& route = request.route;
    response.headers.push_back({"X-Request-Id", request.request_id});
    mark_problem(response, request.request_id);
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.started).count();
    auto& span = exchange.span;
    if (span.recording()) {
        const auto method = http::method_name(request.method);
        if (!route.empty()) {
            span.rename(fmt::format("{} {}", method, route));
            span.set("http.route", route);
        }
        span.set("http.request.method", std::string{method});
        span.set("url.path", request.target.substr(0, request.target.find('?')));
        span.set("http.response.status_code", static_cast<std::int64_t>(response.status));
        span.set("client.address", request.client_address);
        if (const auto agent = request.header("User-Agent")) {
            span.set("user_agent.original", std::string{*agent});
        }
        span.set("shopd.request_id", request.request_id);
        if (!request.caller.actor.empty()) {
            span.set("enduser.id", request.caller.actor);
        }
        if (response.status >= 500) {
            span.set("error.type", std::to_string(response.status));
            span.fail(fmt::format("HTTP {}", response.status));
        }
    }
    span.end();
    if (access_log_ != nullptr) {
        access_log_->write({.method = http::method_name(request.method),
                            .route = route,
                            .status = response.status,
                            .seconds = seconds,
                            .bytes = response.body.size(),
                            .client = request.client_address,
                            .actor = request.caller.actor,
                            .request_id = request.request_id});
    }
}

}  // namespace shopd::telemetry
