#include "auth/jwt_verifier.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include <shopd/config.hpp>

#include "support/temporary_directory.hpp"
#include "support/tokens.hpp"

namespace shopd::auth {
namespace {

namespace json = boost::json;
using testing::forged_token;
using testing::hs256_token;
using testing::signed_token;

const std::string kSecret(32, 'k');
constexpr std::int64_t kNow = 1'800'000'000;

json::object claims(const std::string& subject = "customer-1", std::int64_t expires = kNow + 600) {
    return {{"sub", subject}, {"exp", expires}};
}

std::string refusal(const JwtVerifier& verifier, const std::string& token) {
    const auto result = verifier.verify(token, kNow);
    const auto* refused = std::get_if<JwtRefusal>(&result);
    return refused ? refused->reason : std::string{};
}

void write(const std::filesystem::path& path, const json::array& keys) {
    std::ofstream(path) << json::serialize(json::object{{"keys", keys}});
}

}  // namespace

TEST_CASE("an HS256 token under the secret gives its sub as the customer and its role") {
    const JwtVerifier verifier({kSecret});
    auto with_role = claims("staff-1");
    with_role["role"] = "operator";
    const auto accepted = verifier.verify(hs256_token(kSecret, with_role), kNow);
    REQUIRE(std::holds_alternative<JwtClaims>(accepted));
    CHECK(std::get<JwtClaims>(accepted).subject == "staff-1");
    CHECK(std::get<JwtClaims>(accepted).role == Role::operator_);
    const auto customer = verifier.verify(hs256_token(kSecret, claims()), kNow);
    CHECK(std::get<JwtClaims>(customer).role == Role::customer);
}

TEST_CASE("a token is refused when expired, not yet valid, without exp, sub or a known role") {
    const JwtVerifier verifier({kSecret});
    CHECK(refusal(verifier, hs256_token(kSecret, claims("c", kNow - 60))) ==
          "the token has expired");
    auto later = claims();
    later["nbf"] = kNow + 600;
    CHECK(refusal(verifier, hs256_token(kSecret, later)) == "the token is not valid yet (nbf)");
    CHECK(refusal(verifier, hs256_token(kSecret, {{"sub", "c"}})) == "the token has no exp");
    CHECK_FALSE(refusal(verifier, hs256_token(kSecret, {{"exp", kNow + 60}})).empty());
    auto boss = claims();
    boss["role"] = "owner";
    CHECK_FALSE(refusal(verifier, hs256_token(kSecret, boss)).empty());
}

TEST_CASE("a wrong signature, alg none, bad base64 and a foreign algorithm are refused") {
    const JwtVerifier verifier({kSecret});
    CHECK(refusal(verifier, hs256_token(std::string(32, 'x'), claims())) ==
          "the signature does not verify");
    CHECK(refusal(verifier, forged_token({{"alg", "none"}}, claims())) ==
          "algorithm 'none' is not accepted");
    CHECK(refusal(verifier, forged_token({{"alg", "HS512"}}, claims(), "x")) ==
          "algorithm 'HS512' is not accepted");
    CHECK(refusal(verifier, "not a token") == "not a JWT (three base64url parts)");
    CHECK(refusal(verifier, "a.b.c.d") == "not a JWT (three base64url parts)");
    CHECK(refusal(verifier, "%%%.e30.x") == "the JWT header is not base64url JSON");
    const auto token = hs256_token(kSecret, claims());
    auto tampered = token;
    tampered[token.find('.') + 3] ^= 1;
    CHECK_FALSE(refusal(verifier, tampered).empty());
}

TEST_CASE("iss and aud are checked when configured") {
    const JwtVerifier verifier({kSecret, {}, "https://id.example", "shopd"});
    auto good = claims();
    good["iss"] = "https://id.example";
    good["aud"] = json::array{"other", "shopd"};
    CHECK(std::holds_alternative<JwtClaims>(verifier.verify(hs256_token(kSecret, good), kNow)));
    auto wrong_issuer = good;
    wrong_issuer["iss"] = "https://evil.example";
    CHECK(refusal(verifier, hs256_token(kSecret, wrong_issuer)) ==
          "the token's iss is not auth.jwt_issuer");
    auto no_audience = good;
    no_audience.erase("aud");
    CHECK_FALSE(refusal(verifier, hs256_token(kSecret, no_audience)).empty());
}

TEST_CASE("an HS256 secret under 32 bytes refuses to start") {
    CHECK_THROWS_AS(JwtVerifier({std::string(31, 'k')}), ConfigError);
}

TEST_CASE("RS256 and ES256 tokens verify under the JWKS keys named by kid") {
    testing::TemporaryDirectory directory;
    const auto jwks = directory.path / "jwks.json";
    const auto rsa = testing::rsa_signing_key("rsa-1");
    const auto ec = testing::p256_signing_key("ec-1");
    write(jwks, {rsa.jwk, ec.jwk});
    const JwtVerifier verifier({{}, jwks.string()});
    CHECK(std::holds_alternative<JwtClaims>(
        verifier.verify(signed_token("RS256", rsa.private_pem, claims(), "rsa-1"), kNow)));
    CHECK(std::holds_alternative<JwtClaims>(
        verifier.verify(signed_token("ES256", ec.private_pem, claims(), "ec-1"), kNow)));
    CHECK(refusal(verifier, signed_token("RS256", rsa.private_pem, claims(), "rsa-9")) ==
          "no key 'rsa-9' in the JWKS");
    // The caller's kid is named shortened, and with nothing that could forge a log line.
    CHECK(refusal(verifier, signed_token("RS256", rsa.private_pem, claims(),
                                         "a\nforged line" + std::string(100, 'x'))) ==
          "no key 'a?forged line" + std::string(51, 'x') + "...' in the JWKS");
    CHECK(refusal(verifier, signed_token("ES256", ec.private_pem, claims(), "rsa-1")) ==
          "key 'rsa-1' is an RS256 key, the token says ES256");
    const auto other = testing::rsa_signing_key("rsa-1");
    CHECK(refusal(verifier, signed_token("RS256", other.private_pem, claims(), "rsa-1")) ==
          "the signature does not verify");
}

TEST_CASE("an HS256 token signed with the RSA public key is refused: no algorithm confusion") {
    testing::TemporaryDirectory directory;
    const auto jwks = directory.path / "jwks.json";
    const auto rsa = testing::rsa_signing_key("rsa-1");
    write(jwks, {rsa.jwk});
    const JwtVerifier only_jwks({{}, jwks.string()});
    const auto confused = signed_token("HS256", rsa.public_pem, claims(), "rsa-1");
    CHECK(refusal(only_jwks, confused) == "algorithm 'HS256' is not accepted");
    const JwtVerifier both({kSecret, jwks.string()});
    CHECK(refusal(both, confused) == "the signature does not verify");
}

TEST_CASE("a JWKS file that changes is read again") {
    testing::TemporaryDirectory directory;
    const auto jwks = directory.path / "jwks.json";
    const auto first = testing::p256_signing_key("one");
    const auto second = testing::p256_signing_key("two");
    write(jwks, {first.jwk});
    const JwtVerifier verifier({{}, jwks.string()});
    const auto token = signed_token("ES256", second.private_pem, claims(), "two");
    CHECK(refusal(verifier, token) == "no key 'two' in the JWKS");
    write(jwks, {first.jwk, second.jwk});
    std::filesystem::last_write_time(
        jwks, std::filesystem::last_write_time(jwks) + std::chrono::seconds(5));
    // The file is looked at again at most once a second: wait for the condition, not a time.
    while (!std::holds_alternative<JwtClaims>(verifier.verify(token, kNow))) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(std::holds_alternative<JwtClaims>(verifier.verify(token, kNow)));
}

}  // namespace shopd::auth
