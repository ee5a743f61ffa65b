#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "app/hosted_module.hpp"
#include "config/config_loader.hpp"
#include "support/bus_harness.hpp"
#include "support/test_app.hpp"

namespace shopd::testing {
namespace {

std::string problem_type(const HttpResult& result) {
    return std::string{result.json().at("type").as_string()};
}

std::string note(const std::string& aggregate, int sequence, const std::string& text = "ok") {
    return R"({"aggregate":")" + aggregate + R"(","sequence":)" + std::to_string(sequence) +
           R"(,"text":")" + text + R"("})";
}

}  // namespace

TEST_CASE("a started app is healthy and ready on an ephemeral port", "[http]") {
    TestApp test;
    CHECK(test.app.port() != 0);
    auto client = test.client();
    CHECK(client.get("/healthz").status == 200);
    const auto ready = client.get("/readyz");
    CHECK(ready.status == 200);
    CHECK(ready.json().at("status") == "ready");
}

TEST_CASE("a message published over HTTP reaches the subscribing module", "[http]") {
    TestApp test;
    auto client = test.client();
    for (int sequence = 1; sequence <= 3; ++sequence) {
        REQUIRE(client.post_json("/api/notes", note("a", sequence)).status == 201);
    }
    REQUIRE(eventually([&] { return test.control->handled == 3; }));
    CHECK(client.get("/api/audit/a").body == R"({"sequences":[1,2,3]})");
}

TEST_CASE("protocol errors are answered with problem+json", "[http]") {
    TestApp test;
    auto client = test.client();

    const auto not_found = client.get("/api/nothing");
    CHECK(not_found.status == 404);
    CHECK(not_found.header("Content-Type") == "application/problem+json");
    CHECK(not_found.json().at("status") == 404);

    const auto wrong_method = client.request("DELETE", "/api/notes");
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.header("Allow") == "POST");

    const auto text =
        client.request("POST", "/api/notes", "hello", {{"Content-Type", "text/plain"}});
    CHECK(text.status == 415);
    CHECK(problem_type(text) == "urn:shopd:problem:unsupported-media-type");

    const auto malformed = client.post_json("/api/notes", R"({"aggregate": )");
    CHECK(malformed.status == 400);
    CHECK(problem_type(malformed) == "urn:shopd:problem:malformed-json");

    const auto bad_target = client.get("/api/audit/%zz");
    CHECK(bad_target.status == 400);
}

TEST_CASE("a body over the limit is 413 and the server stays healthy", "[http]") {
    auto config = test_config();
    config.server.body_limit_bytes = 1024;
    TestApp test(config);
    {
        auto client = test.client();
        const auto too_large = client.post_json("/api/notes", std::string(2048, ' ') + "{}");
        CHECK(too_large.status == 413);
        CHECK(problem_type(too_large) == "urn:shopd:problem:body-too-large");
    }
    // Announced by Content-Length and sent after 100-continue alike.
    const auto raw =
        raw_exchange(test.app.port(),
                     "POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 413"));
    CHECK(test.client().get("/healthz").status == 200);
}

TEST_CASE("a header over the limit is 431", "[http]") {
    auto config = test_config();
    config.server.header_limit_bytes = 1024;
    TestApp test(config);
    const auto raw = raw_exchange(test.app.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                       std::string(4096, 'a') + "\r\n\r\n");
    CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 431"));
    CHECK_THAT(raw, Catch::Contains("application/problem+json"));
    CHECK(test.client().get("/healthz").status == 200);
}

TEST_CASE("a malformed request line is 400 and closes the connection", "[http]") {
    TestApp test;
    const auto raw = raw_exchange(test.app.port(), "NOT HTTP AT ALL\r\n\r\n");
    CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 400"));
    CHECK(test.client().get("/healthz").status == 200);
}

TEST_CASE("a client too slow to send its body gets 408", "[http]") {
    auto config = test_config();
    config.server.body_timeout = std::chrono::milliseconds(300);
    TestApp test(config);
    const auto raw = raw_exchange(test.app.port(),
                                  "POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                  "application/json\r\nContent-Length: 100\r\n\r\n{\"a\":",
                                  std::chrono::milliseconds(3000));
    CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 408"));
}

TEST_CASE("an idle connection is closed after the header timeout", "[http]") {
    auto config = test_config();
    config.server.header_timeout = std::chrono::milliseconds(300);
    TestApp test(config);
    IdleConnection idle(test.app.port());
    CHECK(idle.closed_by_server(std::chrono::milliseconds(3000)));
}

TEST_CASE("pipelined requests are answered in order on one connection", "[http]") {
    TestApp test;
    const auto raw = raw_exchange(test.app.port(),
                                  "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto first = raw.find("HTTP/1.1 200");
    const auto second = raw.find("HTTP/1.1 404");
    const auto third = raw.find("HTTP/1.1 200", second);
    CHECK(first != std::string::npos);
    CHECK(second != std::string::npos);
    CHECK(third != std::string::npos);
    CHECK(first < second);
}

TEST_CASE("near the connection limit a new client closes the connection idle the longest",
          "[http][connections]") {
    using namespace std::chrono_literals;
    auto config = test_config();
    config.server.max_connections = 4;  // three for any route, one kept for probes
    TestApp test(config);
    IdleConnection oldest(test.app.port());
    IdleConnection second(test.app.port());
    IdleConnection third(test.app.port());
    CHECK(test.client().get("/api/audit/a").status == 200);
    CHECK(oldest.closed_by_server(10s));
    CHECK_FALSE(second.closed_by_server(50ms));
    CHECK_FALSE(third.closed_by_server(50ms));
}

TEST_CASE("with every connection busy a new one gets 503, and the reserve still answers probes",
          "[http][connections]") {
    auto config = test_config();
    config.server.max_connections = 4;
    TestApp test(config);
    const auto port = test.app.port();
    std::vector<std::future<HttpResult>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::async(std::launch::async,
                                  [port] { return HttpClient(port).get("/api/audit/held"); }));
    }
    REQUIRE(eventually([&] { return test.control->held_count() == 3; }));

    const auto refused = raw_exchange(port, "GET /api/audit/a HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(refused, Catch::StartsWith("HTTP/1.1 503"));
    CHECK_THAT(refused, Catch::Contains("Retry-After: 1"));
    CHECK_THAT(refused, Catch::Contains("too-many-connections"));
    HttpClient probe(port);
    CHECK(probe.get("/healthz").status == 200);
    CHECK(probe.get("/readyz").status == 200);
    CHECK(probe.get("/metrics").status == 200);
    CHECK(probe.get("/api/audit/a").status == 503);  // the reserve serves probes alone

    test.control->release_held();
    for (auto& answer : held) {
        CHECK(answer.get().status == 200);
    }
    CHECK(test.client().get("/api/audit/a").status == 200);
}

TEST_CASE("2,000 idle connections from one address do not keep /healthz from answering",
          "[http][connections]") {
    // The client's ends and the server's share this process's descriptors.
    rlimit files{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &files) == 0);
    files.rlim_cur = files.rlim_max;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &files) == 0);
    REQUIRE(files.rlim_cur > 2'600);
    TestApp test;  // 256 connections per client address, 1,024 in all
    std::vector<int> idle;
    for (int i = 0; i < 2'000; ++i) {
        const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(test.app.port());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        idle.push_back(socket);
    }
    auto client = test.client();
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.get("/api/audit/a").status == 200);
    for (const int socket : idle) {
        ::close(socket);
    }
}

TEST_CASE("while a module's database cannot commit readiness is degraded, and ready again after",
          "[http][disk]") {
    TestApp test;
    auto client = test.client();
    REQUIRE(client.post_json("/api/notes/disk", R"({"full":true})").status == 200);
    CHECK(client.post_json("/api/notes", note("a", 1)).status == 500);
    const auto degraded = client.get("/readyz");
    CHECK(degraded.status == 200);
    CHECK(degraded.json().at("status") == "degraded");
    CHECK(degraded.json().at("storage").at("failing") == boost::json::array{"notes"});
    CHECK_THAT(std::string{degraded.json().at("detail").as_string()},
               Catch::Contains("cannot commit"));

    REQUIRE(client.post_json("/api/notes/disk", R"({"full":false})").status == 200);
    CHECK(client.post_json("/api/notes", note("a", 2)).status == 201);
    const auto ready = client.get("/readyz").json();
    CHECK(ready.at("status") == "ready");
    CHECK_FALSE(ready.as_object().contains("storage"));
}

TEST_CASE("a request without exactly one Host header is refused with 400", "[http]") {
    TestApp test;
    const auto port = test.app.port();
    const auto none = raw_exchange(port, "GET /healthz HTTP/1.1\r\n\r\n");
    CHECK_THAT(none, Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(none, Catch::Contains("needs a Host header"));
    const auto two = raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    CHECK_THAT(two, Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(two, Catch::Contains("more than one Host header"));
    // HTTP/1.0 has no Host requirement.
    CHECK_THAT(raw_exchange(port, "GET /healthz HTTP/1.0\r\n\r\n"),
               Catch::StartsWith("HTTP/1.0 200"));
}

TEST_CASE("dead letters are listed and replayed through the admin API", "[http]") {
    TestApp test;
    auto client = test.client();
    REQUIRE(client.post_json("/api/notes", note("a", 1, "poison")).status == 201);
    HttpResult letters;
    REQUIRE(eventually([&] {
        letters = client.get("/api/admin/dead-letters");
        return letters.json().at("items").as_array().size() == 1;
    }));
    const auto listed = letters.json();
    const auto& letter = listed.at("items").at(0);
    CHECK(letter.at("attempts") == 3);
    CHECK(letter.at("error") == "poison message");
    CHECK(letter.at("payload").at("aggregate") == "a");
    const auto outbox = client.get("/api/admin/outbox").json();
    for (const auto& module : outbox.at("items").as_array()) {
        INFO(boost::json::serialize(module));
        CHECK(module.at("parked") == (module.at("module") == "notes" ? 1 : 0));
    }

    test.control->poison_heals = true;
    const std::string id{letter.at("id").as_string()};
    CHECK(client.request("POST", "/api/admin/dead-letters/" + id + "/replay").status == 202);
    REQUIRE(eventually([&] { return test.control->handled == 1; }));
    CHECK(client.get("/api/audit/a").body == R"({"sequences":[1]})");
    CHECK(client.get("/api/admin/dead-letters").json().at("items").as_array().empty());
    CHECK(client.request("POST", "/api/admin/dead-letters/" + id + "/replay").status == 404);
    CHECK(client.request("POST", "/api/admin/dead-letters/garbage/replay").status == 404);
}

namespace {

// The value of the sample `series` (name and labels) in a Prometheus text page.
double sample_value(const std::string& page, const std::string& series) {
    const auto at = page.find("\n" + series + " ");
    REQUIRE(at != std::string::npos);
    return std::stod(page.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("the rows each module's committed transactions write are counted per module", "[http]") {
    TestApp test;
    auto client = test.client();
    const std::string notes = R"(shopd_sqlite_changes_total{module="notes"})";
    const std::string audit = R"(shopd_sqlite_changes_total{module="audit"})";
    REQUIRE(test.app.wait_until_idle(std::chrono::seconds(10)));
    const auto before = client.get("/metrics").body;
    client.get("/api/audit/a");
    REQUIRE(client.post_json("/api/notes", note("a", 1)).status == 201);
    REQUIRE(test.app.wait_until_idle(std::chrono::seconds(10)));
    const auto after = client.get("/metrics").body;
    CHECK_THAT(after, Catch::Contains("# TYPE shopd_sqlite_changes_total counter"));
    // The note and its outbox row; the audit module's effect and its record of the message.
    CHECK(sample_value(after, notes) - sample_value(before, notes) >= 2);
    CHECK(sample_value(after, audit) - sample_value(before, audit) >= 2);

    client.get("/api/audit/a");
    CHECK(sample_value(client.get("/metrics").body, audit) == sample_value(after, audit));
}

TEST_CASE("metrics count requests by route and status and pass promtool", "[http][promtool]") {
    TestApp test;
    auto client = test.client();
    client.post_json("/api/notes", note("a", 1));
    client.get("/api/nothing");
    // Idle: the delivery is handled and recorded by the publisher, so it is counted.
    REQUIRE(test.app.wait_until_idle(std::chrono::seconds(10)));
    const auto metrics = client.get("/metrics");
    CHECK(metrics.header("Content-Type").starts_with("text/plain; version=0.0.4"));
    CHECK_THAT(
        metrics.body,
        Catch::Contains(
            R"(shopd_http_requests_total{route="/api/notes",method="POST",status="201"} 1)"));
    CHECK_THAT(metrics.body,
               Catch::Contains(
                   R"(shopd_http_requests_total{route="unmatched",method="GET",status="404"} 1)"));
    CHECK_THAT(metrics.body,
               Catch::Contains(R"(shopd_messages_published_total{type="test.note_added"} 1)"));
    CHECK_THAT(
        metrics.body,
        Catch::Contains(
            R"(shopd_messages_delivered_total{type="test.note_added",subscriber="audit"} 1)"));
    CHECK_THAT(metrics.body, Catch::Contains(R"(shopd_outbox_backlog{module="notes"} 0)"));
    CHECK_THAT(
        metrics.body,
        Catch::Contains(
            "shopd_http_request_duration_seconds_bucket{route=\"/api/notes\",le=\"+Inf\"} 1"));
    CHECK_THAT(metrics.body, Catch::Contains("process_resident_memory_bytes "));

    const auto file = std::filesystem::temp_directory_path() /
                      ("shopd-metrics-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(file) << metrics.body;
    const auto command = "promtool check metrics < " + file.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 256> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) {
        output += chunk.data();
    }
    const int status = ::pclose(pipe);
    std::filesystem::remove(file);
    INFO(output);
    CHECK(status == 0);
}

TEST_CASE("an in-flight request is answered during graceful shutdown", "[http][shutdown]") {
    TestApp test;
    auto held = std::async(std::launch::async, [port = test.app.port()] {
        HttpClient client(port);
        return client.get("/api/audit/held");
    });
    IdleConnection idle(test.app.port());
    REQUIRE(eventually([&] { return test.control->held_count() == 1; }));
    // The request is under way when the stop begins, and answered only once it has.
    auto stopped = std::async(std::launch::async, [&] { test.app.stop(); });
    REQUIRE(eventually([&] { return !test.app.ready(); }));
    CHECK(stopped.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
    test.control->release_held();
    const auto answer = held.get();
    stopped.get();
    CHECK(answer.status == 200);
    CHECK(answer.header("Connection") == "close");
    CHECK(idle.closed_by_server(std::chrono::milliseconds(1000)));
    CHECK_FALSE(test.app.ready());
    CHECK_THROWS(HttpClient(test.app.port()).get("/healthz"));
}

TEST_CASE("over server.max_backlog an intake route answers 503 with Retry-After, reads go on",
          "[http][backpressure]") {
    auto config = test_config();
    config.server.max_backlog = 2;
    TestApp test(config);
    const auto port = test.app.port();
    // The slow request holds the notes executor, so every note admitted waits in its queue.
    auto slow = std::async(std::launch::async, [port] {
        return HttpClient(port).post_json("/api/notes/slow", R"({"millis":1000})");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::vector<std::future<HttpResult>> notes;
    for (int sequence = 1; sequence <= 8; ++sequence) {
        notes.push_back(std::async(std::launch::async, [port, sequence] {
            return HttpClient(port).post_json("/api/notes", note("busy", sequence));
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(test.client().get("/api/audit/busy").status == 200);

    int admitted = 0;
    int refused = 0;
    for (auto& answer : notes) {
        const auto result = answer.get();
        if (result.status == 201) {
            ++admitted;
        } else {
            CHECK(result.status == 503);
            CHECK(result.header("Retry-After") == "1");
            CHECK(result.header("Content-Type") == "application/problem+json");
            CHECK(result.json().at("type") == "urn:shopd:problem:overloaded");
            ++refused;
        }
    }
    CHECK(slow.get().status == 200);
    // The slow unit counts while it is being written; waiting work may exceed the bound by no
    // more than the requests checked at one moment.
    CHECK(admitted >= 2);
    CHECK(admitted <= 3);
    CHECK(admitted + refused == 8);
    REQUIRE(eventually([&] { return test.control->handled == admitted; }));
    CHECK(test.client().post_json("/api/notes", note("busy", 100)).status == 201);
}

TEST_CASE("queued deliveries finish before shutdown completes", "[http][shutdown]") {
    TestApp test;
    test.control->handler_delay = std::chrono::milliseconds(50);
    auto client = test.client();
    REQUIRE(client.post_json("/api/notes", note("a", 1)).status == 201);
    REQUIRE(eventually([&] {
        std::lock_guard lock(test.control->mutex);
        return !test.control->attempts.empty();
    }));
    test.app.stop();
    CHECK(test.control->handled == 1);
}

TEST_CASE("module routes answer 503 until the app is ready", "[http]") {
    std::atomic<bool> ready{false};
    std::optional<http::Response> answer;
    const auto handler = when_ready(ready, [](const http::Request&, http::Reply reply) {
        reply(http::json_response(200, nullptr));
    });
    handler(http::Request{}, http::Reply([&](http::Response r) { answer = std::move(r); }));
    REQUIRE(answer);
    CHECK(answer->status == 503);
    ready = true;
    handler(http::Request{}, http::Reply([&](http::Response r) { answer = std::move(r); }));
    CHECK(answer->status == 200);
}

TEST_CASE("an unknown module name is a configuration error", "[http]") {
    auto config = test_config();
    config.modules.enabled = {"notes", "shipping"};
    CHECK_THROWS_WITH(App(config, {notes_module()}),
                      Catch::Contains("modules.enabled") && Catch::Contains("'shipping'"));
}

TEST_CASE("hosting a subset of modules leaves the others out", "[http]") {
    auto config = test_config();
    config.modules.enabled = {"notes"};
    App app(config, {notes_module(), audit_module(std::make_shared<AuditControl>())});
    app.start();
    HttpClient client(app.port());
    CHECK(client.post_json("/api/notes", note("a", 1)).status == 201);
    CHECK(client.get("/api/audit/a").status == 404);
}

TEST_CASE("a port already in use stops start-up with a clear error", "[http]") {
    TestApp first;
    auto config = test_config();
    config.server.listen = "127.0.0.1:" + std::to_string(first.app.port());
    App second(config, {notes_module()});
    CHECK_THROWS_WITH(second.start(),
                      Catch::Contains("cannot listen on") && Catch::Contains("in use"));
}

TEST_CASE("a data directory that cannot be created stops start-up", "[http]") {
    const auto blocker =
        std::filesystem::temp_directory_path() / ("shopd-blocker-" + std::to_string(::getpid()));
    std::ofstream(blocker) << "a file where a directory should be";
    auto config = test_config();
    config.storage.memory = false;
    config.storage.data_dir = (blocker / "data").string();
    App app(config, {notes_module()});
    CHECK_THROWS_AS(app.start(), StartupError);
    std::filesystem::remove(blocker);
}

}  // namespace shopd::testing

namespace shopd::testing {

TEST_CASE("the module graph shows a published message nobody here subscribes to", "[http]") {
    App alone(test_config(), {notes_module()});
    CHECK_THAT(alone.module_graph_mermaid(),
               Catch::Contains("notes -.->|test.note_added| outside") &&
                   Catch::Contains("outside([no subscriber here"));
    App both(test_config(), {notes_module(), audit_module(std::make_shared<AuditControl>())});
    CHECK_THAT(both.module_graph_mermaid(),
               Catch::Contains("notes -->|test.note_added| audit") && !Catch::Contains("outside"));
}

}  // namespace shopd::testing
