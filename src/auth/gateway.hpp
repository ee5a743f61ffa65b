#pragma once
// The gateway in front of every route: who calls (an API key, a JWT, or a session cookie made
// with one of them), whether the route's roles let them, and the routes of keys and sessions.
//
// Open or closed: with auth.open, or with no key ever made and no JWT settings while shopd
// listens on loopback (or on no socket), a request without credentials is served as admin.
// Otherwise it reaches only the routes that need none and the operations auth.public lists.
// Credentials sent are checked either way: a bad one is 401, never quietly anonymous.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>

#include <shopd/config.hpp>
#include <shopd/http.hpp>
#include <shopd/metrics.hpp>

#include "auth/jwt_verifier.hpp"
#include "auth/key_store.hpp"
#include "auth/rate_limiter.hpp"

namespace shopd::http {
class Router;
}

namespace shopd::auth {

class Gateway {
  public:
    // `loopback`: shopd listens on a loopback address, or on no socket at all.
    Gateway(const Config& config, bool loopback, telemetry::MetricsRegistry& metrics);
    ~Gateway();

    // The keys' store, once the data directory is open. Until then no key authenticates.
    void use_keys(KeyStore* keys);
    KeyStore* keys() const { return keys_; }
    bool open() const;

    // Fills request.caller, or answers 401 (no or bad credentials) or 403 (a role the route
    // does not list, or a cookie-authenticated change without X-Shopd-Request).
    std::optional<http::Response> admit(http::Request& request, const http::Route& route,
                                        std::vector<http::Header>& headers) const;

    // /api/session and /api/admin/keys.
    void add_routes(http::Router& router);

  private:
    struct Identity {
        Caller caller;
        std::string key_id;       // the key that made it; empty for a JWT
        std::int64_t expires_ms;  // the credential's end
    };
    struct Session {
        Identity identity;
        std::int64_t expires_ms;
    };
    using Refusal = std::string;

    std::variant<Identity, Refusal> authenticate(std::string_view token, std::int64_t now_ms) const;
    std::variant<std::optional<Identity>, Refusal> credentials(const http::Request& request,
                                                               std::int64_t now_ms,
                                                               bool& by_cookie) const;
    bool is_public(const http::Route& route) const;
    bool limiting() const;
    // The address the request came from: behind a trusted proxy, the one it forwarded.
    std::string client_of(const http::Request& request) const;
    // Counts the request against `client`'s bucket of the route's class; a 429 when it is empty.
    std::optional<http::Response> limit(const http::Route& route, const std::string& client,
                                        std::vector<http::Header>& headers) const;
    std::string start_session(const Identity& identity, std::int64_t now_ms);
    void end_session(const http::Request& request);

    const AuthConfig& config_;
    const bool loopback_;
    const bool test_mode_;
    const bool secure_cookies_;  // under TLS
    const std::optional<bool> rate_limited_;
    std::set<std::string, std::less<>> trusted_proxies_;
    mutable RateLimiter intake_limiter_;
    mutable RateLimiter read_limiter_;
    telemetry::CounterFamily& limited_;
    std::set<std::string, std::less<>> public_operations_;
    std::unique_ptr<JwtVerifier> jwt_;
    KeyStore* keys_ = nullptr;

    mutable std::mutex sessions_mutex_;
    mutable std::unordered_map<std::string, Session> sessions_;
};

// "Bearer" with its token, from an Authorization header's value; nullopt when malformed.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace shopd::auth
