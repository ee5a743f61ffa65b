#include "support/tokens.hpp"

#include <boost/json.hpp>
#include <jwt.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdexcept>

namespace shopd::testing {
namespace {

std::string base64url(const std::string& bytes) {
    std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()));
    encoded.resize(static_cast<std::size_t>(length));
    while (!encoded.empty() && encoded.back() == '=') {
        encoded.pop_back();
    }
    for (auto& c : encoded) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return encoded;
}

std::string pem(EVP_PKEY* key, bool private_key) {
    std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_mem()), BIO_free_all);
    const int written = private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                                               nullptr, nullptr)
                                    : PEM_write_bio_PUBKEY(bio.get(), key);
    if (written != 1) {
        throw std::runtime_error("cannot write a key as PEM");
    }
    char* data = nullptr;
    const auto size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

std::string bignum_param(EVP_PKEY* key, const char* name) {
    BIGNUM* number = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &number) != 1) {
        throw std::runtime_error("a key lacks a parameter");
    }
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(number)), '\0');
    BN_bn2bin(number, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(number);
    return bytes;
}

}  // namespace

std::string signed_token(const std::string& algorithm, const std::string& key,
                         const boost::json::object& claims, const std::string& kid) {
    jwt_t* raw = nullptr;
    jwt_new(&raw);
    std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
    jwt_add_grants_json(jwt.get(), boost::json::serialize(claims).c_str());
    if (!kid.empty()) {
        jwt_add_header(jwt.get(), "kid", kid.c_str());
    }
    if (jwt_set_alg(jwt.get(), jwt_str_alg(algorithm.c_str()),
                    reinterpret_cast<const unsigned char*>(key.data()),
                    static_cast<int>(key.size())) != 0) {
        throw std::runtime_error("libjwt refuses the key for " + algorithm);
    }
    std::unique_ptr<char, decltype(&free)> token(jwt_encode_str(jwt.get()), free);
    if (!token) {
        throw std::runtime_error("libjwt cannot sign with " + algorithm);
    }
    return token.get();
}

std::string forged_token(const boost::json::object& header, const boost::json::object& claims,
                         const std::string& signature) {
    return base64url(boost::json::serialize(header)) + "." +
           base64url(boost::json::serialize(claims)) + "." + base64url(signature);
}

SigningKey rsa_signing_key(const std::string& kid) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    return {pem(key.get(), true), pem(key.get(), false),
            boost::json::object{{"kty", "RSA"},
                                {"kid", kid},
                                {"use", "sig"},
                                {"n", base64url(bignum_param(key.get(), OSSL_PKEY_PARAM_RSA_N))},
                                {"e", base64url(bignum_param(key.get(), OSSL_PKEY_PARAM_RSA_E))}}};
}

SigningKey p256_signing_key(const std::string& kid) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    const auto x = bignum_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    const auto y = bignum_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    const auto padded = [](std::string bytes) {
        return std::string(32 - bytes.size(), '\0') + bytes;
    };
    return {pem(key.get(), true), pem(key.get(), false),
            boost::json::object{{"kty", "EC"},
                                {"crv", "P-256"},
                                {"kid", kid},
                                {"x", base64url(padded(x))},
                                {"y", base64url(padded(y))}}};
}

}  // namespace shopd::testing
