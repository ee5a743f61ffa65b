#include "app/idempotency.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <shopd/clock.hpp>
#include <shopd/digest.hpp>

namespace shopd::idempotency {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxKeyLength = 255;

}  // namespace

std::variant<std::monostate, Key, http::Response> key_of(const http::Request& request) {
    const auto header = request.header("Idempotency-Key");
    if (!header || request.method != http::Method::post) {
        return std::monostate{};
    }
    const bool printable =
        std::all_of(header->begin(), header->end(), [](char c) { return c > ' ' && c < 127; });
    if (header->empty() || header->size() > kMaxKeyLength || !printable) {
        return http::problem(
            400, "bad-idempotency-key", "Bad request",
            fmt::format("Idempotency-Key must be 1 to {} printable characters", kMaxKeyLength));
    }
    return Key{std::string{*header},
               sha256_hex(fmt::format("{} {}\n{}", http::method_name(request.method),
                                      request.target, request.body))};
}

std::optional<http::Response> earlier_answer(UnitOfWork& unit_of_work, const Key& key) {
    auto& query = unit_of_work.statements().get(
        "SELECT fingerprint, status, content_type, headers, body FROM idempotency_key "
        "WHERE key = ?");
    query.bind(1, key.key);
    if (!query.executeStep()) {
        query.reset();
        return std::nullopt;
    }
    const bool same_request = query.getColumn(0).getString() == key.fingerprint;
    http::Response response;
    response.status = static_cast<unsigned>(query.getColumn(1).getInt());
    response.content_type = query.getColumn(2).getString();
    const auto headers = json::parse(query.getColumn(3).getString());
    for (const auto& header : headers.as_array()) {
        response.headers.push_back({json::value_to<std::string>(header.at("name")),
                                    json::value_to<std::string>(header.at("value"))});
    }
    response.body = query.getColumn(4).getString();
    query.reset();
    if (!same_request) {
        return http::problem(409, "idempotency-key-reused", "Conflict",
                             "this Idempotency-Key was used for another request");
    }
    response.headers.push_back({"Idempotent-Replayed", "true"});
    return response;
}

void remember(UnitOfWork& unit_of_work, const Key& key, const http::Response& response) {
    json::array headers;
    for (const auto& header : response.headers) {
        headers.push_back(json::object{{"name", header.name}, {"value", header.value}});
    }
    auto& insert = unit_of_work.statements().get(
        "INSERT INTO idempotency_key (key, fingerprint, status, content_type, headers, body, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    SQLite::bind(insert, key.key, key.fingerprint, static_cast<int>(response.status),
                 response.content_type, json::serialize(headers), response.body,
                 unix_millis(unit_of_work.now()));
    insert.exec();
}

void forget_older_than(UnitOfWork& unit_of_work, std::chrono::milliseconds ttl) {
    auto& purge =
        unit_of_work.statements().get("DELETE FROM idempotency_key WHERE created_at_ms < ?");
    purge.bind(1, unix_millis(unit_of_work.now()) - ttl.count());
    purge.exec();
}

}  // namespace shopd::idempotency
