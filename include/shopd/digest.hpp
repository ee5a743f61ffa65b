#pragma once
// Digests, for signatures a module sends (webhooks), and random secrets as text.

#include <cstddef>
#include <string>
#include <string_view>

namespace shopd {

// SHA-256 of `data`, as lower-case hex.
std::string sha256_hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`, as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// `bytes` bytes from OpenSSL's random generator, as lower-case hex; throws std::runtime_error
// when it has none.
std::string random_hex(std::size_t bytes);

}  // namespace shopd
