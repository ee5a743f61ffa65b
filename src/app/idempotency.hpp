#pragma once
// Idempotency-Key on mutating requests: the answer is stored in the same unit of work as the
// effect, so a repeat of the request gets that answer and causes nothing, and another request
// reusing the key is refused.

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include <shopd/http.hpp>
#include <shopd/unit_of_work.hpp>

namespace shopd::idempotency {

struct Key {
    std::string key;
    std::string fingerprint;  // of method, target and body
};

// The request's key (none for a request without the header or one that is not a POST), or
// the 400 answer for a key that cannot be used.
std::variant<std::monostate, Key, http::Response> key_of(const http::Request& request);

// The stored answer for a repeat, a 409 for another request with the key, or nullopt for a
// key not seen yet.
std::optional<http::Response> earlier_answer(UnitOfWork& unit_of_work, const Key& key);

void remember(UnitOfWork& unit_of_work, const Key& key, const http::Response& response);

// Forgets keys older than `ttl`.
void forget_older_than(UnitOfWork& unit_of_work, std::chrono::milliseconds ttl);

}  // namespace shopd::idempotency
