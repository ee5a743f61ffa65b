#pragma once
// JWTs and signing keys made by the tests, the way an identity provider would make them.

#include <boost/json/object.hpp>
#include <string>

namespace shopd::testing {

// A token of `header` (alg and kid) and `claims`, signed by libjwt with `key` (an HMAC secret
// or a private key in PEM).
std::string signed_token(const std::string& algorithm, const std::string& key,
                         const boost::json::object& claims, const std::string& kid = {});
inline std::string hs256_token(const std::string& secret, const boost::json::object& claims) {
    return signed_token("HS256", secret, claims);
}

// A token with the header and claims given and the signature given, as an attacker writes it.
std::string forged_token(const boost::json::object& header, const boost::json::object& claims,
                         const std::string& signature = {});

struct SigningKey {
    std::string private_pem;
    std::string public_pem;
    boost::json::object jwk;  // the public key, with kty, kid and the key's numbers
};
SigningKey rsa_signing_key(const std::string& kid);
SigningKey p256_signing_key(const std::string& kid);

}  // namespace shopd::testing
