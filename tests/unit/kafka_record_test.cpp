#include "relay/kafka_record.hpp"

#include <catch2/catch.hpp>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>

namespace shopd::relay {

namespace {

Envelope sample_envelope() {
    return {new_uuid_v7(),
            "order.order_placed",
            3,
            "order",
            "o-1",
            rfc3339(std::chrono::system_clock::now()),
            "o-1",
            "cause",
            new_traceparent(),
            R"({"order_id":"o-1","total_cents":1250})"};
}

std::string header(const KafkaRecord& record, const std::string& name) {
    for (const auto& [key, value] : record.headers) {
        if (key == name) {
            return value;
        }
    }
    return "(absent)";
}

}  // namespace

TEST_CASE("on Kafka the key is the aggregate id, the value the payload, the headers the rest",
          "[kafka]") {
    const auto envelope = sample_envelope();
    const auto record = record_of(envelope);
    CHECK(record.key == "o-1");
    CHECK(record.value == envelope.payload);
    CHECK(header(record, "id") == envelope.id);
    CHECK(header(record, "type") == "order.order_placed");
    CHECK(header(record, "version") == "3");
    CHECK(header(record, "aggregate_type") == "order");
    CHECK(header(record, "correlation_id") == "o-1");
    CHECK(header(record, "causation_id") == "cause");
    CHECK(header(record, "traceparent") == envelope.traceparent);
    CHECK(header(record, "occurred_at") == envelope.occurred_at);
    CHECK(header(record, "actor") == "(absent)");
    CHECK(envelope_of(record) == envelope);

    auto requested = envelope;
    requested.actor = "key till-1 (operator)";
    const auto with_actor = record_of(requested);
    CHECK(header(with_actor, "actor") == "key till-1 (operator)");
    CHECK(envelope_of(with_actor) == requested);
}

TEST_CASE("a Kafka record that is no shopd envelope is refused naming what is wrong", "[kafka]") {
    auto record = record_of(sample_envelope());
    SECTION("a header missing") {
        std::erase_if(record.headers, [](const auto& h) { return h.first == "type"; });
        CHECK_THROWS_WITH(envelope_of(record), "type: missing");
    }
    SECTION("a version that is not a number") {
        for (auto& [name, value] : record.headers) {
            if (name == "version") {
                value = "two";
            }
        }
        CHECK_THROWS_WITH(envelope_of(record), Catch::Contains("version"));
    }
    SECTION("a value that is not JSON") {
        record.value = "{not json";
        CHECK_THROWS_WITH(envelope_of(record), Catch::Contains("payload"));
    }
    SECTION("no key") {
        record.key.clear();
        CHECK_THROWS_WITH(envelope_of(record), Catch::Contains("aggregate_id"));
    }
}

}  // namespace shopd::relay
