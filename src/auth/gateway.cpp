#include "auth/gateway.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <shopd/digest.hpp>
#include <shopd/request_fields.hpp>

#include "http/router.hpp"

namespace shopd::auth {
namespace json = boost::json;

namespace {

constexpr std::string_view kSessionCookie = "shopd_session";
constexpr std::int64_t kSessionMs = 12LL * 60 * 60 * 1000;
constexpr std::size_t kMaxSessions = 10'000;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string operation_of(http::Method method, std::string_view pattern) {
    return fmt::format("{} {}", http::method_name(method), pattern);
}

http::Response unauthorized(std::string_view detail, bool credential_sent) {
    auto response = http::problem(401, "unauthorized", "Unauthorized", detail);
    response.headers.push_back(
        {"WWW-Authenticate", credential_sent ? R"(Bearer realm="shopd", error="invalid_token")"
                                             : R"(Bearer realm="shopd")"});
    return response;
}

std::optional<std::string_view> cookie(const http::Request& request, std::string_view name) {
    for (const auto& header : request.headers) {
        if (strcasecmp(header.name.c_str(), "Cookie") != 0) {
            continue;
        }
        std::string_view rest = header.value;
        while (!rest.empty()) {
            const auto end = rest.find(';');
            auto pair = rest.substr(0, end);
            while (!pair.empty() && pair.front() == ' ') {
                pair.remove_prefix(1);
            }
            if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
                return pair.substr(name.size() + 1);
            }
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    if (authorization.size() < 8 || strncasecmp(authorization.data(), "Bearer ", 7) != 0) {
        return std::nullopt;
    }
    auto token = authorization.substr(7);
    while (!token.empty() && token.front() == ' ') {
        token.remove_prefix(1);
    }
    while (!token.empty() && token.back() == ' ') {
        token.remove_suffix(1);
    }
    if (token.empty() || token.find_first_of(" \t,") != std::string_view::npos) {
        return std::nullopt;
    }
    return token;
}

Gateway::Gateway(const Config& config, bool loopback, telemetry::MetricsRegistry& metrics)
    : config_(config.auth),
      loopback_(loopback),
      test_mode_(config.server.test_mode),
      secure_cookies_(!config.server.tls_cert.empty()),
      rate_limited_(config.rate_limit.enabled),
      trusted_proxies_(config.server.trusted_proxies.begin(), config.server.trusted_proxies.end()),
      intake_limiter_(config.rate_limit.intake_per_minute, config.rate_limit.burst),
      read_limiter_(config.rate_limit.read_per_minute, config.rate_limit.burst),
      limited_(metrics.counter("shopd_rate_limited_total",
                               "Requests refused with 429 because their client was over its rate "
                               "limit, by class of route.",
                               {"class"})),
      public_operations_(config_.public_operations.begin(), config_.public_operations.end()) {
    for (const auto* name : {"intake", "read"}) {
        limited_.with({name});
    }
    if (!config_.jwt_hs256_secret.empty() || !config_.jwks_file.empty()) {
        jwt_ = std::make_unique<JwtVerifier>(JwtSettings{
            config_.jwt_hs256_secret, config_.jwks_file, config_.jwt_issuer, config_.jwt_audience});
    }
}

bool Gateway::limiting() const {
    return rate_limited_.value_or(!test_mode_ && !open());
}

std::string Gateway::client_of(const http::Request& request) const {
    if (request.client_address.empty()) {
        return "in-process";
    }
    const auto forwarded = request.header("X-Forwarded-For");
    if (!forwarded || !trusted_proxies_.contains(request.client_address)) {
        return request.client_address;
    }
    // The rightmost address no trusted proxy holds is the one that connected to them.
    std::string_view rest = *forwarded;
    while (!rest.empty()) {
        const auto comma = rest.rfind(',');
        auto address = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        while (!address.empty() && address.front() == ' ') {
            address.remove_prefix(1);
        }
        while (!address.empty() && address.back() == ' ') {
            address.remove_suffix(1);
        }
        if (!address.empty() && !trusted_proxies_.contains(address)) {
            return std::string{address};
        }
    }
    return request.client_address;
}

std::optional<http::Response> Gateway::limit(const http::Route& route, const std::string& client,
                                             std::vector<http::Header>& headers) const {
    if (route.limit == http::Limit::none || !limiting()) {
        return std::nullopt;
    }
    const bool intake = route.limit == http::Limit::intake;
    const std::string_view name = intake ? "intake" : "read";
    auto& limiter = intake ? intake_limiter_ : read_limiter_;
    const auto decision = limiter.take(client);
    headers.push_back(
        {"RateLimit-Policy", fmt::format("\"{}\";q={};w=60", name, limiter.per_minute())});
    headers.push_back({"RateLimit", fmt::format("\"{}\";r={};t={}", name, decision.remaining,
                                                decision.reset_seconds)});
    if (decision.allowed) {
        return std::nullopt;
    }
    limited_.with({std::string{name}}).inc();
    auto response = http::problem(
        429, "rate-limited", "Too many requests",
        fmt::format("more than {} {} requests a minute from this client (rate_limit.{}_per_"
                    "minute); try again in {} s",
                    limiter.per_minute(), name, name, decision.retry_after));
    response.headers.push_back({"Retry-After", std::to_string(decision.retry_after)});
    return response;
}

Gateway::~Gateway() = default;

void Gateway::use_keys(KeyStore* keys) {
    keys_ = keys;
}

bool Gateway::open() const {
    return config_.open || (loopback_ && !jwt_ && (keys_ == nullptr || !keys_->any()));
}

bool Gateway::is_public(const http::Route& route) const {
    return std::find(route.roles.begin(), route.roles.end(), Role::anyone) != route.roles.end() ||
           public_operations_.contains(operation_of(route.method, route.pattern));
}

std::variant<Gateway::Identity, Gateway::Refusal> Gateway::authenticate(std::string_view token,
                                                                        std::int64_t now) const {
    if (token.starts_with("shopd_")) {
        const auto key = keys_ ? keys_->authenticate(token, now) : std::nullopt;
        if (!key) {
            return Refusal{"the API key is unknown, revoked or expired"};
        }
        return Identity{
            {key->role, key->name, fmt::format("key {} ({})", key->name, role_name(key->role))},
            key->id,
            key->expires_ms.value_or(INT64_MAX)};
    }
    if (!jwt_) {
        return Refusal{
            "not an API key, and no JWT is accepted (auth.jwt_hs256_secret, "
            "auth.jwks_file)"};
    }
    auto verified = jwt_->verify(std::string{token}, now / 1000);
    if (auto* refusal = std::get_if<JwtRefusal>(&verified)) {
        return Refusal{std::move(refusal->reason)};
    }
    const auto& claims = std::get<JwtClaims>(verified);
    return Identity{{claims.role, claims.subject,
                     fmt::format("jwt {} ({})", claims.subject, role_name(claims.role))},
                    {},
                    claims.expires_s * 1000};
}

std::variant<std::optional<Gateway::Identity>, Gateway::Refusal> Gateway::credentials(
    const http::Request& request, std::int64_t now, bool& by_cookie) const {
    std::optional<std::string_view> authorization;
    for (const auto& header : request.headers) {
        if (strcasecmp(header.name.c_str(), "Authorization") == 0) {
            if (authorization) {
                return Refusal{"the request has more than one Authorization header"};
            }
            authorization = header.value;
        }
    }
    if (authorization) {
        const auto token = bearer_token(*authorization);
        if (!token) {
            return Refusal{"expected Authorization: Bearer <API key or JWT>"};
        }
        auto identity = authenticate(*token, now);
        if (auto* refusal = std::get_if<Refusal>(&identity)) {
            return std::move(*refusal);
        }
        return std::optional{std::get<Identity>(std::move(identity))};
    }
    const auto session = cookie(request, kSessionCookie);
    if (!session) {
        if (!request.client_certificate.empty()) {
            const auto& subject = request.client_certificate;
            return std::optional{
                Identity{{Role::operator_, subject, fmt::format("cert {} (operator)", subject)},
                         {},
                         INT64_MAX}};
        }
        return std::optional<Identity>{};
    }
    by_cookie = true;
    std::lock_guard lock(sessions_mutex_);
    const auto found = sessions_.find(std::string{*session});
    if (found == sessions_.end() || found->second.expires_ms <= now) {
        return Refusal{"the session has ended; sign in again"};
    }
    const auto& identity = found->second.identity;
    if (!identity.key_id.empty() && !(keys_ && keys_->find(identity.key_id, now))) {
        sessions_.erase(found);
        return Refusal{"the session's API key is revoked or expired; sign in again"};
    }
    return std::optional{identity};
}

std::optional<http::Response> Gateway::admit(http::Request& request, const http::Route& route,
                                             std::vector<http::Header>& headers) const {
    bool by_cookie = false;
    auto found = credentials(request, now_ms(), by_cookie);
    if (auto* refusal = std::get_if<Refusal>(&found)) {
        const auto client = client_of(request);
        if (auto limited = limit(route, client, headers)) {
            return limited;
        }
        spdlog::info("auth: {} {} from {}: {}", http::method_name(request.method), route.pattern,
                     client, *refusal);
        return unauthorized(*refusal, true);
    }
    auto& identity = std::get<std::optional<Identity>>(found);
    if (!identity) {
        if (auto limited = limit(route, client_of(request), headers)) {
            return limited;
        }
        if (open()) {
            request.caller = {Role::admin, {}, "open"};
            return std::nullopt;
        }
        if (is_public(route)) {
            request.caller = {Role::anyone, {}, "anonymous"};
            return std::nullopt;
        }
        return unauthorized(
            "this operation needs credentials: Authorization: Bearer <API key "
            "or JWT>, or a session cookie from POST /api/session",
            false);
    }
    const auto bucket =
        identity->key_id.empty() ? identity->caller.actor : "key " + identity->key_id;
    if (auto limited = limit(route, bucket, headers)) {
        return limited;
    }
    request.caller = std::move(identity->caller);
    const auto role = request.caller.role;
    const bool allowed =
        role == Role::admin || is_public(route) ||
        std::find(route.roles.begin(), route.roles.end(), role) != route.roles.end();
    if (!allowed) {
        return http::problem(403, "forbidden", "Forbidden",
                             fmt::format("the {} role may not {}", role_name(role),
                                         operation_of(route.method, route.pattern)));
    }
    if (by_cookie && !http::is_safe(request.method) && request.header("X-Shopd-Request") != "1") {
        return http::problem(403, "csrf", "Forbidden",
                             "a change made with a session cookie needs the header "
                             "X-Shopd-Request: 1");
    }
    return std::nullopt;
}

std::string Gateway::start_session(const Identity& identity, std::int64_t now) {
    auto id = random_hex(32);
    std::lock_guard lock(sessions_mutex_);
    if (sessions_.size() >= kMaxSessions) {
        std::erase_if(sessions_,
                      [now](const auto& entry) { return entry.second.expires_ms <= now; });
        if (sessions_.size() >= kMaxSessions) {
            sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(),
                                             [](const auto& a, const auto& b) {
                                                 return a.second.expires_ms < b.second.expires_ms;
                                             }));
        }
    }
    sessions_[id] = {identity, std::min(identity.expires_ms, now + kSessionMs)};
    return id;
}

void Gateway::end_session(const http::Request& request) {
    if (const auto session = cookie(request, kSessionCookie)) {
        std::lock_guard lock(sessions_mutex_);
        sessions_.erase(std::string{*session});
    }
}

void Gateway::add_routes(http::Router& router) {
    using http::Method;
    const Roles anyone{Role::anyone};
    router.add(
        Method::post, "/api/session", http::Body::none,
        [this](const http::Request& request, http::Reply reply) {
            const auto authorization = request.header("Authorization");
            const auto token = authorization ? bearer_token(*authorization) : std::nullopt;
            if (!token) {
                reply(http::problem(400, "no-credentials", "Bad request",
                                    "sign in with Authorization: Bearer <API key or JWT>"));
                return;
            }
            const auto now = now_ms();
            auto authenticated = authenticate(*token, now);
            if (auto* refusal = std::get_if<Refusal>(&authenticated)) {
                reply(unauthorized(*refusal, true));
                return;
            }
            const auto& identity = std::get<Identity>(authenticated);
            const auto id = start_session(identity, now);
            auto response = http::json_response(
                200, json::object{{"role", role_name(identity.caller.role)},
                                  {"id", identity.caller.id},
                                  {"expires_at",
                                   rfc3339_ms(std::min(identity.expires_ms, now + kSessionMs))}});
            response.headers.push_back(
                {"Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                                           kSessionCookie, id, kSessionMs / 1000,
                                           secure_cookies_ ? "; Secure" : "")});
            reply(std::move(response));
        },
        anyone);
    router.add(
        Method::get, "/api/session", http::Body::none,
        [](const http::Request& request, http::Reply reply) {
            reply(http::json_response(200, json::object{{"role", role_name(request.caller.role)},
                                                        {"id", request.caller.id}}));
        },
        anyone);
    router.add(
        Method::delete_, "/api/session", http::Body::none,
        [this](const http::Request& request, http::Reply reply) {
            end_session(request);
            http::Response response;
            response.status = 204;
            response.headers.push_back(
                {"Set-Cookie",
                 fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", kSessionCookie)});
            reply(std::move(response));
        },
        anyone);

    router.add(Method::get, "/api/admin/keys", http::Body::none,
               [this](const http::Request&, http::Reply reply) {
                   json::array items;
                   for (const auto& key : keys_ ? keys_->list() : std::vector<KeyRecord>{}) {
                       items.push_back(key_json(key));
                   }
                   reply(http::json_response(200, json::object{{"items", std::move(items)}}));
               });
    router.add(
        Method::post, "/api/admin/keys", http::Body::json,
        [this](const http::Request& request, http::Reply reply) {
            const auto& body = request.json.as_object();
            std::vector<http::FieldError> errors;
            const auto text = [&](std::string_view field) {
                const auto* value = body.if_contains(field);
                return value && value->is_string() ? std::optional{std::string{value->as_string()}}
                                                   : std::nullopt;
            };
            const auto name = text("name");
            const auto role = text("role");
            const auto expires_in = text("expires_in");
            if (!name || !valid_key_name(*name)) {
                errors.push_back({"name", "required: 1-64 letters, digits, '.', '_' or '-'"});
            }
            const auto named_role = role ? role_named(*role) : std::nullopt;
            if (!named_role) {
                errors.push_back({"role", "required: admin, operator, kiosk or customer"});
            }
            const auto lifetime = expires_in ? parse_lifetime(*expires_in) : std::nullopt;
            if (body.contains("expires_in") && !lifetime) {
                errors.push_back({"expires_in", "a number with m, h or d: 90m, 12h, 30d"});
            }
            if (!errors.empty()) {
                reply(http::validation_problem(errors));
                return;
            }
            try {
                const auto now = now_ms();
                auto made = keys_->create(*name, *named_role, lifetime, now);
                auto answer = key_json(made.record);
                answer["key"] = std::move(made.key);
                spdlog::info("auth: key '{}' ({}) created by {}", *name, *role,
                             request.caller.actor);
                reply(http::json_response(201, answer));
            } catch (const KeyError& error) {
                reply(http::problem(409, "key-exists", "Conflict", error.what()));
            }
        });
    router.add(Method::delete_, "/api/admin/keys/{name}", http::Body::none,
               [this](const http::Request& request, http::Reply reply) {
                   try {
                       keys_->revoke(request.param("name"), now_ms());
                       spdlog::info("auth: key '{}' revoked by {}", request.param("name"),
                                    request.caller.actor);
                       http::Response revoked;
                       revoked.status = 204;
                       reply(std::move(revoked));
                   } catch (const KeyError& error) {
                       reply(http::problem(404, "not-found", "Not found", error.what()));
                   }
               });
}

}  // namespace shopd::auth
