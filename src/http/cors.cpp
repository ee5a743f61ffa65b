#include "http/cors.hpp"

#include <fmt/format.h>

namespace shopd::http {
namespace {

constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Shopd-Request, X-Request-Id";
constexpr std::string_view kExposedHeaders =
    "Location, RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Idempotent-Replayed";

}  // namespace

Cors::Cors(const std::vector<std::string>& origins) : origins_(origins.begin(), origins.end()) {}

std::optional<std::string_view> Cors::allowed_origin(const Request& request) const {
    const auto origin = request.header("Origin");
    if (!origin || !origins_.contains(*origin)) {
        return std::nullopt;
    }
    return origin;
}

std::optional<Response> Cors::preflight(const Request& request, std::string_view methods) const {
    if (request.method != Method::options || !request.header("Origin") ||
        !request.header("Access-Control-Request-Method")) {
        return std::nullopt;
    }
    const auto origin = allowed_origin(request);
    if (!origin) {
        auto refused = problem(403, "origin-not-allowed", "Forbidden",
                               fmt::format("pages of origin '{}' may not call this API "
                                           "(server.cors_origins)",
                                           *request.header("Origin")));
        refused.headers.push_back({"Vary", "Origin"});
        return refused;
    }
    Response response;
    response.status = 204;
    response.headers = {{"Access-Control-Allow-Origin", std::string{*origin}},
                        {"Access-Control-Allow-Methods", fmt::format("{}, OPTIONS", methods)},
                        {"Access-Control-Allow-Headers", std::string{kAllowedHeaders}},
                        {"Access-Control-Max-Age", "600"},
                        {"Vary", "Origin"}};
    return response;
}

void Cors::add_headers(const Request& request, std::vector<Header>& headers) const {
    if (const auto origin = allowed_origin(request)) {
        headers.push_back({"Access-Control-Allow-Origin", std::string{*origin}});
        headers.push_back({"Access-Control-Expose-Headers", std::string{kExposedHeaders}});
        headers.push_back({"Vary", "Origin"});
    }
}

}  // namespace shopd::http
