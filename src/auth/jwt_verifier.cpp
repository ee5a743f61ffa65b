#include "auth/jwt_verifier.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fstream>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sstream>

#include <shopd/config.hpp>

namespace shopd::auth {
namespace json = boost::json;

namespace {

// A value from a token's header as a refusal may name it: the token is the caller's, so at most
// 64 characters, and nothing that could end or forge a log line.
std::string shown(std::string_view value) {
    constexpr std::size_t kMost = 64;
    std::string text;
    for (const char c : value.substr(0, kMost)) {
        text += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    }
    return value.size() > kMost ? text + "..." : text;
}

// Clocks of issuers and of this host may differ this much.
constexpr std::int64_t kLeewaySeconds = 30;
constexpr auto kKeysRecheck = std::chrono::seconds(1);

template <class T, void (*Free)(T*)>
struct Freeing {
    void operator()(T* pointer) const { Free(pointer); }
};
using Bignum = std::unique_ptr<BIGNUM, Freeing<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Freeing<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Freeing<OSSL_PARAM, OSSL_PARAM_free>>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, Freeing<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Key = std::unique_ptr<EVP_PKEY, Freeing<EVP_PKEY, EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, Freeing<BIO, BIO_free_all>>;
using Jwt = std::unique_ptr<jwt_t, Freeing<jwt_t, jwt_free>>;

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string standard;
    for (const char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            standard += c;
        } else if (c == '-') {
            standard += '+';
        } else if (c == '_') {
            standard += '/';
        } else {
            return std::nullopt;
        }
    }
    if (standard.size() % 4 == 1) {
        return std::nullopt;
    }
    const auto padding = (4 - standard.size() % 4) % 4;
    standard.append(padding, '=');
    std::string decoded(standard.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                       reinterpret_cast<const unsigned char*>(standard.data()),
                                       static_cast<int>(standard.size()));
    if (length < 0) {
        return std::nullopt;
    }
    decoded.resize(static_cast<std::size_t>(length) - padding);
    return decoded;
}

std::string member_string(const json::object& object, std::string_view name) {
    const auto* value = object.if_contains(name);
    return value && value->is_string() ? std::string{value->as_string()} : std::string{};
}

std::string decoded_member(const json::object& jwk, std::string_view name) {
    auto decoded = base64url_decode(member_string(jwk, name));
    if (!decoded || decoded->empty()) {
        throw std::runtime_error(fmt::format("a key's '{}' is not base64url", name));
    }
    return std::move(*decoded);
}

std::string pem_of(const char* type, const ParamBuilder& builder) {
    Params params(OSSL_PARAM_BLD_to_param(builder.get()));
    KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        throw std::runtime_error(fmt::format("a {} key is not a valid public key", type));
    }
    Key key(raw);
    Bio bio(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
        throw std::runtime_error("a key cannot be written as PEM");
    }
    char* data = nullptr;
    const auto size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string rsa_pem(const json::object& jwk) {
    const auto n = decoded_member(jwk, "n");
    const auto e = decoded_member(jwk, "e");
    Bignum modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                             static_cast<int>(n.size()), nullptr));
    Bignum exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                              static_cast<int>(e.size()), nullptr));
    ParamBuilder builder(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get());
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get());
    return pem_of("RSA", builder);
}

std::string p256_pem(const json::object& jwk) {
    auto point = std::string(1, '\x04') + decoded_member(jwk, "x") + decoded_member(jwk, "y");
    if (point.size() != 65) {
        throw std::runtime_error("a P-256 key's x and y are 32 bytes each");
    }
    ParamBuilder builder(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    return pem_of("EC", builder);
}

jwt_alg_t algorithm_of(const std::string& name) {
    return name == "HS256" ? JWT_ALG_HS256 : name == "RS256" ? JWT_ALG_RS256 : JWT_ALG_ES256;
}

bool audience_matches(const json::value& audience, const std::string& expected) {
    if (audience.is_string()) {
        return audience.as_string() == expected;
    }
    if (audience.is_array()) {
        for (const auto& entry : audience.as_array()) {
            if (entry.is_string() && entry.as_string() == expected) {
                return true;
            }
        }
    }
    return false;
}

std::optional<std::int64_t> seconds_claim(const json::object& claims, std::string_view name) {
    const auto* value = claims.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return value->as_int64();
    }
    if (value->is_uint64()) {
        return static_cast<std::int64_t>(std::min<std::uint64_t>(value->as_uint64(), INT64_MAX));
    }
    if (value->is_double()) {
        return static_cast<std::int64_t>(value->as_double());
    }
    return std::nullopt;
}

}  // namespace

std::map<std::string, std::pair<std::string, std::string>> read_jwks(std::string_view document) {
    boost::system::error_code error;
    const auto parsed = json::parse(document, error);
    const auto* keys =
        !error && parsed.is_object() ? parsed.as_object().if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
        throw std::runtime_error("not a JWKS document (an object with a \"keys\" array)");
    }
    std::map<std::string, std::pair<std::string, std::string>> found;
    for (const auto& entry : keys->as_array()) {
        if (!entry.is_object()) {
            continue;
        }
        const auto& jwk = entry.as_object();
        const auto type = member_string(jwk, "kty");
        const auto declared = member_string(jwk, "alg");
        const auto use = member_string(jwk, "use");
        if (!use.empty() && use != "sig") {
            continue;
        }
        if (type == "RSA" && (declared.empty() || declared == "RS256")) {
            found[member_string(jwk, "kid")] = {"RS256", rsa_pem(jwk)};
        } else if (type == "EC" && member_string(jwk, "crv") == "P-256" &&
                   (declared.empty() || declared == "ES256")) {
            found[member_string(jwk, "kid")] = {"ES256", p256_pem(jwk)};
        }
    }
    return found;
}

JwtVerifier::JwtVerifier(JwtSettings settings) : settings_(std::move(settings)) {
    if (!settings_.hs256_secret.empty() && settings_.hs256_secret.size() < 32) {
        throw ConfigError(fmt::format("auth.jwt_hs256_secret: at least 32 bytes, got {}",
                                      settings_.hs256_secret.size()));
    }
    if (!settings_.jwks_file.empty()) {
        try {
            keys();
        } catch (const std::exception& failure) {
            throw ConfigError(
                fmt::format("auth.jwks_file ({}): {}", settings_.jwks_file, failure.what()));
        }
    }
}

JwtVerifier::~JwtVerifier() = default;

std::shared_ptr<const JwtVerifier::KeySet> JwtVerifier::keys() const {
    std::lock_guard lock(keys_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (keys_ && now - keys_checked_ < kKeysRecheck) {
        return keys_;
    }
    keys_checked_ = now;
    std::error_code error;
    const auto written = std::filesystem::last_write_time(settings_.jwks_file, error);
    if (keys_ && (error || written == keys_written_)) {
        return keys_;  // unchanged, or gone for a moment while it is replaced
    }
    std::ifstream file(settings_.jwks_file);
    if (!file) {
        throw std::runtime_error("cannot read the file");
    }
    std::stringstream text;
    text << file.rdbuf();
    auto set = std::make_shared<KeySet>();
    try {
        for (auto& [kid, key] : read_jwks(text.str())) {
            (*set)[kid] = {key.first, std::move(key.second)};
        }
    } catch (const std::exception&) {
        if (keys_) {
            return keys_;  // a half-written file: the keys read last stay
        }
        throw;
    }
    keys_ = std::move(set);
    keys_written_ = written;
    return keys_;
}

std::variant<JwtClaims, JwtRefusal> JwtVerifier::verify(const std::string& token,
                                                        std::int64_t now_s) const {
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot == std::string::npos ? 0 : first_dot + 1);
    if (first_dot == std::string::npos || second_dot == std::string::npos ||
        token.find('.', second_dot + 1) != std::string::npos) {
        return JwtRefusal{"not a JWT (three base64url parts)"};
    }
    const auto header_text = base64url_decode(std::string_view{token}.substr(0, first_dot));
    boost::system::error_code error;
    const auto header = header_text ? json::parse(*header_text, error) : json::value{};
    if (!header_text || error || !header.is_object()) {
        return JwtRefusal{"the JWT header is not base64url JSON"};
    }
    const auto algorithm = member_string(header.as_object(), "alg");
    const auto kid = member_string(header.as_object(), "kid");

    std::string key;
    if (algorithm == "HS256" && !settings_.hs256_secret.empty()) {
        key = settings_.hs256_secret;
    } else if ((algorithm == "RS256" || algorithm == "ES256") && !settings_.jwks_file.empty()) {
        std::shared_ptr<const KeySet> set;
        try {
            set = keys();
        } catch (const std::exception& failure) {
            return JwtRefusal{fmt::format("the JWKS cannot be read: {}", failure.what())};
        }
        const PublicKey* chosen = nullptr;
        if (const auto found = set->find(kid); found != set->end()) {
            chosen = &found->second;
        } else if (kid.empty()) {
            for (const auto& [name, candidate] : *set) {
                if (candidate.algorithm == algorithm) {
                    chosen = chosen == nullptr ? &candidate : nullptr;
                }
            }
        }
        if (chosen == nullptr) {
            return JwtRefusal{fmt::format("no key '{}' in the JWKS", shown(kid))};
        }
        if (chosen->algorithm != algorithm) {
            return JwtRefusal{fmt::format("key '{}' is an {} key, the token says {}", shown(kid),
                                          chosen->algorithm, shown(algorithm))};
        }
        key = chosen->pem;
    } else {
        return JwtRefusal{fmt::format("algorithm '{}' is not accepted", shown(algorithm))};
    }

    jwt_t* decoded = nullptr;
    if (jwt_decode(&decoded, token.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                   static_cast<int>(key.size())) != 0 ||
        decoded == nullptr) {
        return JwtRefusal{"the signature does not verify"};
    }
    const Jwt jwt(decoded);
    if (jwt_get_alg(jwt.get()) != algorithm_of(algorithm)) {
        return JwtRefusal{"the token's algorithm changed while it was checked"};
    }
    const std::unique_ptr<char, Freeing<void, free>> grants(
        jwt_get_grants_json(jwt.get(), nullptr));
    const auto parsed = grants ? json::parse(grants.get(), error) : json::value{};
    if (!grants || error || !parsed.is_object()) {
        return JwtRefusal{"the JWT claims are not a JSON object"};
    }
    const auto& claims = parsed.as_object();
    const auto expires = seconds_claim(claims, "exp");
    if (!expires) {
        return JwtRefusal{"the token has no exp"};
    }
    if (now_s >= *expires + kLeewaySeconds) {
        return JwtRefusal{"the token has expired"};
    }
    if (const auto not_before = seconds_claim(claims, "nbf");
        not_before && now_s + kLeewaySeconds < *not_before) {
        return JwtRefusal{"the token is not valid yet (nbf)"};
    }
    if (!settings_.issuer.empty() && member_string(claims, "iss") != settings_.issuer) {
        return JwtRefusal{"the token's iss is not auth.jwt_issuer"};
    }
    if (!settings_.audience.empty()) {
        const auto* audience = claims.if_contains("aud");
        if (audience == nullptr || !audience_matches(*audience, settings_.audience)) {
            return JwtRefusal{"the token's aud does not name auth.jwt_audience"};
        }
    }
    JwtClaims result;
    result.subject = member_string(claims, "sub");
    if (result.subject.empty() || result.subject.size() > 128) {
        return JwtRefusal{"the token's sub is missing or longer than 128 characters"};
    }
    if (const auto* role = claims.if_contains("role")) {
        const auto named = role->is_string() ? role_named(role->as_string()) : std::nullopt;
        if (!named) {
            return JwtRefusal{"the token's role is not admin, operator, kiosk or customer"};
        }
        result.role = *named;
    }
    result.expires_s = *expires;
    return result;
}

}  // namespace shopd::auth
