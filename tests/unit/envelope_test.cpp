#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include <shopd/clock.hpp>
#include <shopd/envelope.hpp>
#include <shopd/ids.hpp>

namespace shopd {

TEST_CASE("an envelope round-trips through JSON", "[envelope]") {
    const Envelope envelope{new_uuid_v7(),
                            "test.note_added",
                            2,
                            "note",
                            "n-1",
                            rfc3339(std::chrono::system_clock::now()),
                            "order-1",
                            "cause",
                            new_traceparent(),
                            R"({"a":1,"b":"x"})"};
    const auto json = envelope_to_json(envelope);
    CHECK(json.at("payload").at("a") == 1);
    CHECK(envelope_from_json(json) == envelope);
    CHECK(envelope_from_json(boost::json::parse(boost::json::serialize(json))) == envelope);
    CHECK_FALSE(json.as_object().contains("actor"));

    auto requested = envelope;
    requested.actor = "jwt customer-7 (customer)";
    CHECK(envelope_from_json(envelope_to_json(requested)) == requested);
}

TEST_CASE("a view of a payload shows its secret fields redacted and keeps the rest", "[envelope]") {
    CHECK(redacted_payload(R"({"order_id":"o-1","payment_token":"tok_ok"})", {"payment_token"}) ==
          R"({"order_id":"o-1","payment_token":"[redacted]"})");
    CHECK(redacted_payload(R"({"order_id":"o-1"})", {"payment_token"}) == R"({"order_id":"o-1"})");
    CHECK(redacted_payload("not json tok_ok", {"payment_token"}) == R"("[redacted]")");
    CHECK(redacted_payload("not json", {}) == "not json");
}

TEST_CASE("an invalid envelope is refused naming the field", "[envelope]") {
    const Envelope envelope{
        new_uuid_v7(),     "t", 1, "a", "1", rfc3339(std::chrono::system_clock::now()), "c", "",
        new_traceparent(), "{}"};
    auto json = envelope_to_json(envelope).as_object();
    SECTION("missing id") {
        json.erase("id");
        CHECK_THROWS_WITH(envelope_from_json(json), "id: missing");
    }
    SECTION("version not a number") {
        json["version"] = "1";
        CHECK_THROWS_WITH(envelope_from_json(json), Catch::Contains("version"));
    }
    SECTION("version zero") {
        json["version"] = 0;
        CHECK_THROWS_WITH(envelope_from_json(json), Catch::Contains("version"));
    }
    SECTION("payload not an object") {
        json["payload"] = "text";
        CHECK_THROWS_WITH(envelope_from_json(json), Catch::Contains("payload"));
    }
    SECTION("type empty") {
        json["type"] = "";
        CHECK_THROWS_WITH(envelope_from_json(json), "type: must not be empty");
    }
    CHECK_THROWS_AS(envelope_from_json(boost::json::array{}), std::invalid_argument);
}

TEST_CASE("message ids are version 7 UUIDs that sort by creation time", "[ids]") {
    const auto before_ms = unix_millis(std::chrono::system_clock::now());
    const auto first = new_uuid_v7();
    REQUIRE(first.size() == 36);
    for (const std::size_t hyphen : {8, 13, 18, 23}) {
        CHECK(first[hyphen] == '-');
    }
    auto digits = first;
    std::erase(digits, '-');
    CHECK(digits.size() == 32);  // no field left short: an unwritten place would be a hyphen
    CHECK(digits.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(std::stoll(digits.substr(0, 12), nullptr, 16) >= before_ms);
    CHECK(std::stoll(digits.substr(0, 12), nullptr, 16) <=
          unix_millis(std::chrono::system_clock::now()));
    CHECK(first[14] == '7');
    CHECK(std::string{"89ab"}.find(first[19]) != std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto second = new_uuid_v7();
    CHECK(first < second);
    std::set<std::string> many;
    for (int i = 0; i < 10'000; ++i) {
        many.insert(new_uuid_v7());
    }
    CHECK(many.size() == 10'000);
}

TEST_CASE("a child traceparent keeps the trace and gets a new span", "[ids]") {
    const auto parent = new_traceparent();
    REQUIRE(is_valid_traceparent(parent));
    const auto child = child_traceparent(parent);
    CHECK(is_valid_traceparent(child));
    CHECK(child.substr(3, 32) == parent.substr(3, 32));
    CHECK(child.substr(36, 16) != parent.substr(36, 16));
    CHECK(is_valid_traceparent(child_traceparent("garbage")));
    CHECK_FALSE(is_valid_traceparent("00-00000000000000000000000000000000-0000000000000001-01"));
}

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds", "[clock]") {
    const auto epoch_plus =
        std::chrono::system_clock::time_point{std::chrono::milliseconds(1'700'000'000'123)};
    CHECK(rfc3339(epoch_plus) == "2023-11-14T22:13:20.123Z");
    CHECK(unix_millis(epoch_plus) == 1'700'000'000'123);
    // The next second, and back: each call shows its own second, not the one before it.
    CHECK(rfc3339(epoch_plus + std::chrono::milliseconds(877)) == "2023-11-14T22:13:21.000Z");
    CHECK(rfc3339(epoch_plus + std::chrono::milliseconds(-123)) == "2023-11-14T22:13:20.000Z");
    CHECK(rfc3339(epoch_plus + std::chrono::milliseconds(-114)) == "2023-11-14T22:13:20.009Z");
    CHECK(rfc3339(epoch_plus + std::chrono::hours(24 * 366)) == "2024-11-14T22:13:20.123Z");
}

}  // namespace shopd
