#include "http/router.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <optional>

#include "http/json_body.hpp"

namespace shopd::http {
namespace {

Request make_request(Method method, std::vector<std::string> segments, std::string body = {},
                     std::optional<std::string> content_type = std::nullopt) {
    Request request;
    request.method = method;
    request.segments = std::move(segments);
    request.body = std::move(body);
    if (content_type) {
        request.headers.push_back({"content-type", *content_type});
    }
    return request;
}

// Routes synchronously and returns the answer.
Response answer(const Router& router, Request request) {
    std::optional<Response> response;
    router.route(request, Reply([&](Response r) { response = std::move(r); }));
    REQUIRE(response);
    return *response;
}

std::string problem_type(const Response& response) {
    return std::string{boost::json::parse(response.body).at("type").as_string()};
}

Router sample_router() {
    Router router(4);
    router.add(Method::get, "/api/orders/{id}", Body::none,
               [](const Request& request, Reply reply) {
                   reply(json_response(200, boost::json::object{{"id", request.param("id")}}));
               });
    router.add(Method::post, "/api/orders", Body::json, [](const Request& request, Reply reply) {
        reply(json_response(201, request.json));
    });
    router.add(Method::post, "/api/orders/{id}/cancel", Body::none,
               [](const Request&, Reply reply) { reply(json_response(202, nullptr)); });
    return router;
}

}  // namespace

TEST_CASE("a path parameter is matched and passed to the handler", "[router]") {
    const auto response =
        answer(sample_router(), make_request(Method::get, {"api", "orders", "o-1"}));
    CHECK(response.status == 200);
    CHECK(response.body == R"({"id":"o-1"})");
}

TEST_CASE("an unknown path is 404 problem+json", "[router]") {
    const auto response = answer(sample_router(), make_request(Method::get, {"api", "nothing"}));
    CHECK(response.status == 404);
    CHECK(response.content_type == "application/problem+json");
    CHECK(problem_type(response) == "urn:shopd:problem:not-found");
}

TEST_CASE("a known path with another method is 405 listing the allowed ones", "[router]") {
    const auto response =
        answer(sample_router(), make_request(Method::delete_, {"api", "orders", "o-1"}));
    CHECK(response.status == 405);
    REQUIRE(response.headers.size() == 1);
    CHECK(response.headers[0].name == "Allow");
    CHECK(response.headers[0].value == "GET");
}

TEST_CASE("a JSON route refuses other content types with 415", "[router]") {
    auto response =
        answer(sample_router(), make_request(Method::post, {"api", "orders"}, "{}", "text/plain"));
    CHECK(response.status == 415);
    response = answer(sample_router(), make_request(Method::post, {"api", "orders"}, "{}"));
    CHECK(response.status == 415);
    response = answer(sample_router(), make_request(Method::post, {"api", "orders"}, "{}",
                                                    "Application/JSON; charset=utf-8"));
    CHECK(response.status == 201);
}

TEST_CASE("malformed JSON, a non-object body and too deep nesting are 400", "[router]") {
    const auto post = [](std::string body) {
        return answer(sample_router(), make_request(Method::post, {"api", "orders"},
                                                    std::move(body), "application/json"));
    };
    CHECK(post("{\"a\":").status == 400);
    CHECK(post("[1,2]").status == 400);
    CHECK(post("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}").status == 400);
    CHECK(post("{\"a\":{\"b\":1}}").status == 201);
    CHECK(post("{\"a\":\"\xff\"}").status == 400);  // invalid UTF-8
    CHECK(problem_type(post("{")) == "urn:shopd:problem:malformed-json");
}

TEST_CASE("a reply dropped without an answer sends 500 once", "[router]") {
    int answers = 0;
    unsigned status = 0;
    {
        Reply reply([&](Response response) {
            ++answers;
            status = response.status;
        });
        Reply copy = reply;
    }
    CHECK(answers == 1);
    CHECK(status == 500);
}

TEST_CASE("only the first answer of a reply is sent", "[router]") {
    std::vector<unsigned> statuses;
    {
        Reply reply([&](Response response) { statuses.push_back(response.status); });
        reply(json_response(200, nullptr));
        reply(json_response(201, nullptr));
    }
    CHECK(statuses == std::vector<unsigned>{200});
}

TEST_CASE("a body naming a key twice is refused with the key's path", "[router]") {
    const auto path_of = [](std::string_view body) {
        return parse_json_body(body, 8).duplicate_key;
    };
    CHECK(path_of(R"({"a":1,"a":2})") == "a");
    CHECK(path_of(R"({"items":[{"q":1},{"q":1,"q":2}]})") == "items[1].q");
    CHECK(path_of(R"({"a":{"b":[1,[2],{"c":1,"c":1}]}})") == "a.b[2].c");
    CHECK(path_of(R"({"a\u0062":1,"ab":2})") == "ab");       // equal once unescaped
    CHECK(path_of(R"({"a":{"k":1},"b":{"k":1}})").empty());  // one key in two objects
    CHECK(path_of(R"([{"k":1},{"k":2}])").empty());

    Router router(4);
    router.add(Method::post, "/things", Body::json,
               [](const Request&, Reply reply) { reply(json_response(201, nullptr)); });
    const auto refused = answer(
        router, make_request(Method::post, {"things"}, R"({"n":1,"n":2})", "application/json"));
    CHECK(refused.status == 400);
    CHECK(problem_type(refused) == "urn:shopd:problem:duplicate-key");
    CHECK(boost::json::parse(refused.body).at("errors").at(0).at("field") == "n");
}

TEST_CASE("a strict body still parses every JSON value, and nothing after it", "[router]") {
    const auto parsed = parse_json_body(R"( {"a":[1,-2,3.5,true,null,"x"],"b":{}} )", 8);
    REQUIRE_FALSE(parsed.error);
    CHECK(parsed.value == boost::json::parse(R"({"a":[1,-2,3.5,true,null,"x"],"b":{}})"));
    CHECK(parse_json_body(R"({"a":1} {"b":2})", 8).error);
    CHECK(parse_json_body(R"([[[[[[[[[[]]]]]]]]]])", 8).error);  // deeper than allowed
}

TEST_CASE("an event stream whose client falls behind its bound ends with a farewell", "[router]") {
    EventStream stream;
    int wakes = 0;
    stream.on_wake([&] { ++wakes; });
    stream.bound(10, "bye");
    CHECK(stream.push("12345"));
    CHECK(stream.push("12345"));
    CHECK_FALSE(stream.push("x"));  // eleven bytes would wait
    CHECK(stream.closed());
    CHECK(stream.take() == "bye");
    CHECK_FALSE(stream.push("more"));
    CHECK(stream.take().empty());
    CHECK(wakes == 3);
}

}  // namespace shopd::http
