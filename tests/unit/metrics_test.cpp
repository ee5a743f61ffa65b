#include <catch2/catch.hpp>
#include <cstring>
#include <ctime>
#include <string>

#include <shopd/metrics.hpp>

namespace shopd::telemetry {

TEST_CASE("counters render with their labels in the text format", "[metrics]") {
    MetricsRegistry registry;
    auto& requests = registry.counter("requests_total", "Requests.", {"route", "status"});
    requests.with({"/a", "200"}).inc();
    requests.with({"/a", "200"}).inc(2);
    requests.with({"/b\"x", "500"}).inc();
    const auto text = registry.render();
    CHECK_THAT(text, Catch::Contains("# HELP requests_total Requests.\n"
                                     "# TYPE requests_total counter\n"));
    CHECK_THAT(text, Catch::Contains("requests_total{route=\"/a\",status=\"200\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("requests_total{route=\"/b\\\"x\",status=\"500\"} 1\n"));
}

TEST_CASE("histograms render cumulative buckets, sum and count", "[metrics]") {
    MetricsRegistry registry;
    auto& latency = registry.histogram("latency_seconds", "Latency.", {}, {0.1, 1});
    latency.with({}).observe(0.05);
    latency.with({}).observe(0.5);
    latency.with({}).observe(5);
    const auto text = registry.render();
    CHECK_THAT(text, Catch::Contains("latency_seconds_bucket{le=\"0.1\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("latency_seconds_bucket{le=\"1\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("latency_seconds_bucket{le=\"+Inf\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("latency_seconds_sum 5.55\n"));
    CHECK_THAT(text, Catch::Contains("latency_seconds_count 3\n"));
}

TEST_CASE("gauges are read when rendered", "[metrics]") {
    MetricsRegistry registry;
    double value = 1;
    registry.gauge("backlog", "Backlog.", {"module"}, [&] {
        return std::vector<GaugeSample>{{{"order"}, value}};
    });
    value = 7;
    CHECK_THAT(registry.render(), Catch::Contains("backlog{module=\"order\"} 7\n"));
}

TEST_CASE("process metrics report resident memory, CPU time and start time", "[metrics]") {
    MetricsRegistry registry;
    register_process_metrics(registry);
    const auto cpu_seconds = [&registry] {
        const auto text = registry.render();
        const auto at = text.find("\nprocess_cpu_seconds_total ");
        REQUIRE(at != std::string::npos);
        return std::stod(text.substr(at + std::strlen("\nprocess_cpu_seconds_total ")));
    };
    const auto text = registry.render();
    CHECK_THAT(text, Catch::Contains("# TYPE process_resident_memory_bytes gauge"));
    CHECK_THAT(text, Catch::Contains("# TYPE process_cpu_seconds_total counter"));
    CHECK_THAT(text, Catch::Contains("# TYPE process_start_time_seconds gauge"));
    CHECK_THAT(text, !Catch::Contains("process_resident_memory_bytes 0\n"));

    // Busy until the C library counts 50 ms more of this process's CPU time, however long
    // that takes on a loaded machine.
    const auto before = cpu_seconds();
    const auto busy_from = std::clock();
    while (std::clock() - busy_from < CLOCKS_PER_SEC * 50 / 1000) {
    }
    CHECK(cpu_seconds() >= before + 0.03);
}

}  // namespace shopd::telemetry
