#pragma once
// JWT bearer tokens: HS256 under a shared secret, RS256 and ES256 under the public keys of a
// JWKS file (re-read when it changes). Which key checks a token is chosen here from the
// token's alg and kid and the key's type, before libjwt checks the signature, so that neither
// "alg: none" nor a public key used as an HMAC secret gets through.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include <shopd/roles.hpp>

namespace shopd::auth {

struct JwtSettings {
    std::string hs256_secret = {};  // empty: HS256 not accepted; else at least 32 bytes
    std::string jwks_file = {};     // empty: RS256 and ES256 not accepted
    std::string issuer = {};        // empty: iss not checked
    std::string audience = {};      // empty: aud not checked
};

struct JwtClaims {
    std::string subject;
    Role role = Role::customer;
    std::int64_t expires_s = 0;
};

// Why a token was refused, for the log and the 401's detail (never the token itself).
struct JwtRefusal {
    std::string reason;
};

class JwtVerifier {
  public:
    // Throws ConfigError for a short secret or a JWKS file that cannot be read.
    explicit JwtVerifier(JwtSettings settings);
    ~JwtVerifier();

    std::variant<JwtClaims, JwtRefusal> verify(const std::string& token, std::int64_t now_s) const;

  private:
    struct PublicKey {
        std::string algorithm;  // RS256 or ES256
        std::string pem;
    };
    using KeySet = std::map<std::string, PublicKey>;  // by kid ("" for a key without one)
    std::shared_ptr<const KeySet> keys() const;

    JwtSettings settings_;
    mutable std::mutex keys_mutex_;
    mutable std::shared_ptr<const KeySet> keys_;
    mutable std::filesystem::file_time_type keys_written_{};
    mutable std::chrono::steady_clock::time_point keys_checked_{};
};

// The public keys of a JWKS document as PEM, by kid; keys of other types are skipped. Throws
// std::runtime_error for a document that is not a JWKS.
std::map<std::string, std::pair<std::string, std::string>> read_jwks(std::string_view document);

}  // namespace shopd::auth
