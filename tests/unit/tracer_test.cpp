#include "telemetry/tracer.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <shopd/ids.hpp>

#include "config/config_loader.hpp"
#include "telemetry/request_telemetry.hpp"

namespace shopd::telemetry {
namespace {

namespace json = boost::json;

TelemetryConfig exporting(TraceSampler sampler = TraceSampler::parentbased_always_on,
                          std::string ratio = "1.0") {
    TelemetryConfig config;
    config.otlp_endpoint = "http://127.0.0.1:4318/";
    config.sampler = sampler;
    config.sampler_arg = std::move(ratio);
    config.resource_attributes = {"deployment.environment=test"};
    return config;
}

// Collects what ends, as a unit of work does.
struct Collected final : SpanSink {
    void finished(SpanData span) override { spans.push_back(std::move(span)); }
    std::vector<SpanData> spans;
};

std::string trace_id_of(const std::string& traceparent) {
    return traceparent.substr(3, 32);
}

}  // namespace

TEST_CASE("a span without a parent starts a trace, a child keeps its parent's trace", "[tracing]") {
    MetricsRegistry metrics;
    Tracer tracer(exporting(), metrics);
    Collected collected;
    auto root = tracer.start("GET", "", SpanKind::server, "", &collected);
    REQUIRE(is_valid_traceparent(root.traceparent()));
    CHECK(root.traceparent().ends_with("-01"));
    auto child = tracer.start("process", "inventory.reserve_stock", SpanKind::consumer,
                              root.traceparent(), &collected);
    CHECK(trace_id_of(child.traceparent()) == trace_id_of(root.traceparent()));
    CHECK(child.traceparent() != root.traceparent());
    child.end();
    root.end();
    REQUIRE(collected.spans.size() == 2);
    CHECK(collected.spans[0].name == "process inventory.reserve_stock");
    CHECK(collected.spans[0].parent_span_id == root.traceparent().substr(36, 16));
    CHECK(collected.spans[1].parent_span_id.empty());
    CHECK(collected.spans[0].end_unix_nanos >= collected.spans[0].start_unix_nanos);
}

TEST_CASE("without an endpoint spans record nothing yet still carry the trace on", "[tracing]") {
    MetricsRegistry metrics;
    Tracer tracer(TelemetryConfig{}, metrics);
    const auto parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    auto span = tracer.start("POST", "", SpanKind::server, parent);
    CHECK_FALSE(span.recording());
    CHECK(trace_id_of(span.traceparent()) == "0af7651916cd43dd8448eb211c80319c");
}

TEST_CASE("parent-based samplers follow the parent's flag; ratio samplers decide by the trace id",
          "[tracing]") {
    MetricsRegistry metrics;
    Tracer always(exporting(), metrics);
    const auto unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    auto followed = always.start("GET", "", SpanKind::server, unsampled);
    CHECK_FALSE(followed.recording());
    CHECK(followed.traceparent().ends_with("-00"));

    Sampler none(exporting(TraceSampler::traceidratio, "0"));
    Sampler all(exporting(TraceSampler::traceidratio, "1"));
    Sampler tenth(exporting(TraceSampler::parentbased_traceidratio, "0.1"));
    int sampled = 0;
    constexpr int kTraces = 20'000;
    for (int i = 0; i < kTraces; ++i) {
        const auto trace_id = trace_id_of(new_traceparent());
        CHECK_FALSE(none.sampled(trace_id, std::nullopt));
        CHECK(all.sampled(trace_id, std::nullopt));
        sampled += tenth.sampled(trace_id, std::nullopt) ? 1 : 0;
        CHECK(tenth.sampled(trace_id, true));
    }
    // 10 % of 20,000 random ids, within five standard deviations (about 212).
    CHECK(sampled > 2000 - 212);
    CHECK(sampled < 2000 + 212);
    // The decision depends on the id alone, so every process of a trace takes the same one.
    const auto low = std::string(16, 'f') + std::string(16, '0');
    CHECK(tenth.sampled(low, std::nullopt));
    CHECK_FALSE(tenth.sampled(std::string(32, 'f'), std::nullopt));
}

TEST_CASE("spans are encoded as OTLP/JSON with hex ids and 64-bit numbers as text", "[tracing]") {
    MetricsRegistry metrics;
    Tracer tracer(exporting(), metrics);
    Collected collected;
    const auto parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    auto span = tracer.start("POST", "", SpanKind::server, parent, &collected, "vendor=1");
    span.rename("POST /api/orders");
    span.set("http.response.status_code", std::int64_t{202});
    span.set("url.path", "/api/orders");
    span.set("shopd.duplicate", true);
    span.link(parent);
    span.fail("boom");
    span.end();
    const auto body = json::parse(tracer.encode(collected.spans));
    const auto& resource = body.at("resourceSpans").at(0);
    const auto& attributes = resource.at("resource").at("attributes").as_array();
    CHECK(attributes.at(0).at("key") == "service.name");
    CHECK(attributes.at(0).at("value").at("stringValue") == "shopd");
    CHECK(attributes.back().at("key") == "deployment.environment");
    const auto& encoded = resource.at("scopeSpans").at(0).at("spans").at(0);
    CHECK(encoded.at("traceId") == "0af7651916cd43dd8448eb211c80319c");
    CHECK(encoded.at("parentSpanId") == "b7ad6b7169203331");
    CHECK(encoded.at("spanId").as_string().size() == 16);
    CHECK(encoded.at("traceState") == "vendor=1");
    CHECK(encoded.at("name") == "POST /api/orders");
    CHECK(encoded.at("kind") == 2);
    CHECK(encoded.at("startTimeUnixNano").is_string());
    CHECK(encoded.at("status").at("code") == 2);
    CHECK(encoded.at("status").at("message") == "boom");
    CHECK(encoded.at("links").at(0).at("spanId") == "b7ad6b7169203331");
    const auto& first = encoded.at("attributes").at(0);
    CHECK(first.at("key") == "http.response.status_code");
    CHECK(first.at("value").at("intValue") == "202");
    CHECK(encoded.at("attributes").at(2).at("value").at("boolValue") == true);
}

TEST_CASE("a full queue drops new spans and counts them", "[tracing]") {
    MetricsRegistry metrics;
    auto config = exporting();
    config.max_queued_spans = 2;
    Tracer tracer(config, metrics);
    for (int i = 0; i < 5; ++i) {
        tracer.start("GET", "", SpanKind::server, "").end();
    }
    CHECK_THAT(metrics.render(),
               Catch::Contains("shopd_spans_dropped_total{reason=\"queue_full\"} 3"));
}

TEST_CASE("the standard OTEL variables set the telemetry settings, under SHOPD_ ones", "[config]") {
    config::ConfigSources sources;
    sources.environment = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                           {"OTEL_SERVICE_NAME", "shop-front"},
                           {"OTEL_RESOURCE_ATTRIBUTES", "a=1,b=2"},
                           {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
                           {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
                           {"SHOPD_TELEMETRY_SERVICE_NAME", "shop-back"}};
    auto config = config::load_config(sources);
    CHECK(config.telemetry.otlp_endpoint == "http://collector:4318");
    CHECK(config.telemetry.service_name == "shop-back");
    CHECK(config.telemetry.resource_attributes == std::vector<std::string>{"a=1", "b=2"});
    CHECK(config.telemetry.sampler == TraceSampler::parentbased_traceidratio);
    CHECK(config.telemetry.sampler_arg == "0.25");

    sources.environment["OTEL_SDK_DISABLED"] = "true";
    CHECK(config::load_config(sources).telemetry.otlp_endpoint.empty());

    sources.environment = {{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}};
    CHECK_THROWS_WITH(
        config::load_config(sources),
        Catch::Contains("OTEL_EXPORTER_OTLP_PROTOCOL") && Catch::Contains("expected http/json"));
    sources.environment = {{"OTEL_TRACES_SAMPLER_ARG", "1.5"}};
    CHECK_THROWS_WITH(config::load_config(sources), Catch::Contains("from 0 to 1"));
}

TEST_CASE("a client's request id is kept when it is 1-128 of A-Za-z0-9._-", "[http]") {
    http::Request request;
    const auto given = [&request](std::string value) {
        request.headers = {{"x-request-id", std::move(value)}};
        return given_request_id(request);
    };
    CHECK(given("checkout-42.a_B") == "checkout-42.a_B");
    CHECK(given(std::string(128, 'a')) == std::string(128, 'a'));
    CHECK(given(std::string(129, 'a')).empty());
    CHECK(given("two words").empty());
    CHECK(given("").empty());
    request.headers.clear();
    CHECK(given_request_id(request).empty());
}

}  // namespace shopd::telemetry
