#pragma once
// Digests, for signatures a module sends (webhooks).

#include <string>
#include <string_view>

namespace shopd {

// SHA-256 of `data`, as lower-case hex.
std::string sha256_hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`, as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace shopd
