#include "app/test_kit.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <memory>

#include <shopd/request_fields.hpp>
#include <shopd/whole_number.hpp>

#include "app/polling.hpp"

namespace shopd {
namespace json = boost::json;
using http::Method;

namespace {

const Roles kTesters{Role::admin};

json::object clock_json(const ShopClock& clock) {
    return json::object{{"now", rfc3339(clock.now())}, {"frozen", clock.frozen()}};
}

// One body may set, advance and freeze, in that order; nothing moves unless all of it is
// right.
http::Response move_clock(ShopClock& clock, const json::object& body) {
    std::vector<http::FieldError> errors;
    http::RequestFields fields(body, errors);
    fields.only({"advance_ms", "set", "freeze"});
    const auto advance = fields.optional_integer("advance_ms", 0, 100LL * 365 * 24 * 3600 * 1000);
    std::optional<ShopClock::time_point> set;
    if (const auto text = fields.optional_text("set", 64)) {
        const auto instant = parse_rfc3339(*text);
        if (!instant) {
            fields.error("set", "must be an RFC 3339 instant, e.g. 2026-12-01T10:00:00Z");
        } else if (*instant < clock.now()) {
            fields.error("set", fmt::format("the shop clock never goes back; it is {}",
                                            rfc3339(clock.now())));
        } else {
            set = *instant;
        }
    }
    std::optional<bool> freeze;
    if (const auto* value = body.if_contains("freeze")) {
        if (value->is_bool()) {
            freeze = value->get_bool();
        } else {
            fields.error("freeze", "must be true or false");
        }
    }
    if (!errors.empty()) {
        return http::validation_problem(errors);
    }
    if (set && !clock.set(*set)) {
        return http::validation_problem({{"set", "the shop clock never goes back"}});
    }
    if (advance) {
        clock.advance(std::chrono::milliseconds{*advance});
    }
    if (freeze) {
        clock.freeze(*freeze);
    }
    return http::json_response(200, clock_json(clock));
}

http::Response no_content() {
    http::Response response;
    response.status = 204;
    return response;
}

http::Response state_problem(const Failure<Snapshots::errc>& failure) {
    using errc = Snapshots::errc;
    const auto subject = failure.subjects.empty() ? std::string{} : failure.subjects.front();
    switch (failure.code) {
        case errc::unknown:
            return http::problem(404, "not-found", "Not found",
                                 fmt::format("no snapshot '{}'", subject));
        case errc::name_taken:
            return http::problem(409, "snapshot-exists", "Snapshot exists",
                                 fmt::format("a snapshot '{}' exists; delete it first", subject));
        case errc::busy:
            return http::problem(409, "busy", "Busy",
                                 "a reset or a snapshot is under way; try again once it answered");
        case errc::elsewhere:
            return http::problem(409, "modules-elsewhere", "Modules run elsewhere",
                                 "a reset or a snapshot needs every module in this process "
                                 "(modules.enabled lists only some)");
        case errc::failed:
            break;
    }
    return http::problem(500, "internal", "Internal server error",
                         "the databases could not be copied; the log says why");
}

json::object snapshot_json(const Snapshots::Info& info) {
    return json::object{
        {"name", info.name}, {"created_at", info.created_at}, {"bytes", info.bytes}};
}

}  // namespace

bool TestKit::idle() const {
    return parts_.messaging.work_waiting() == 0 && parts_.outgoing_calls.load() == 0;
}

void TestKit::when_idle(std::chrono::milliseconds timeout, std::function<void(bool)> done) const {
    when(
        parts_.executor, [this] { return idle(); }, timeout, std::move(done));
}

void TestKit::add_routes(http::Router& router) {
    auto& clock = parts_.clock;
    router.add({Method::get, "/api/test/clock", http::Body::none, kTesters,
                [&clock](const http::Request&, http::Reply reply) {
                    reply(http::json_response(200, clock_json(clock)));
                }});
    router.add({Method::post, "/api/test/clock", http::Body::json_or_empty, kTesters,
                [&clock](const http::Request& request, http::Reply reply) {
                    reply(move_clock(clock, request.json.as_object()));
                }});
    router.add(
        {Method::get, "/api/test/idle", http::Body::none, kTesters,
         [this](const http::Request& request, http::Reply reply) {
             std::vector<http::FieldError> errors;
             std::chrono::milliseconds timeout{10'000};
             if (const auto text = request.query_param("timeout_ms")) {
                 const auto value = whole_number(*text, 0, 600'000);
                 if (!value) {
                     reply(http::validation_problem(
                         {{"timeout_ms", "must be a whole number of milliseconds, 0 to 600000"}}));
                     return;
                 }
                 timeout = std::chrono::milliseconds{*value};
             }
             when_idle(timeout, [reply](bool idle) {
                 if (idle) {
                     reply(http::json_response(200, json::object{{"idle", true}}));
                     return;
                 }
                 auto response = http::problem(503, "not-idle", "Not idle",
                                               "work was still moving when timeout_ms passed");
                 auto body = json::parse(response.body).as_object();
                 body["idle"] = false;
                 response.body = json::serialize(body);
                 reply(std::move(response));
             });
         }});
    auto& journal = parts_.journal;
    router.add({Method::get, "/api/test/journal", http::Body::none, kTesters,
                [&journal](const http::Request& request, http::Reply reply) {
                    const auto kind_name = request.query_param("kind");
                    const auto kind = kind_name ? Journal::kind_named(*kind_name) : std::nullopt;
                    if (kind_name && !kind) {
                        reply(http::validation_problem({{"kind", "must be message or webhook"}}));
                        return;
                    }
                    const auto about = request.query_param("order_id").value_or("");
                    reply(http::json_response(200, journal.list(kind, about)));
                }});
    router.add({Method::delete_, "/api/test/journal", http::Body::none, kTesters,
                [&journal](const http::Request&, http::Reply reply) {
                    journal.clear();
                    reply(no_content());
                }});
    add_state_routes(router);
}

void TestKit::add_state_routes(http::Router& router) {
    auto& snapshots = parts_.snapshots;
    router.add({Method::post, "/api/test/reset", http::Body::json_or_empty, kTesters,
                [&snapshots](const http::Request& request, http::Reply reply) {
                    std::vector<http::FieldError> errors;
                    http::RequestFields fields(request.json.as_object(), errors);
                    fields.only({"snapshot"});
                    auto name = fields.optional_text("snapshot", 64);
                    if (!errors.empty()) {
                        reply(http::validation_problem(errors));
                        return;
                    }
                    snapshots.restore(std::move(name), [reply](Result<void, Snapshots::errc> done) {
                        reply(done ? no_content() : state_problem(done.error()));
                    });
                }});
    router.add({Method::post, "/api/test/snapshots", http::Body::json, kTesters,
                [&snapshots](const http::Request& request, http::Reply reply) {
                    std::vector<http::FieldError> errors;
                    http::RequestFields fields(request.json.as_object(), errors);
                    fields.only({"name"});
                    auto name = fields.identifier("name");
                    if (!errors.empty()) {
                        reply(http::validation_problem(errors));
                        return;
                    }
                    snapshots.save(std::move(name), [reply](auto saved) {
                        reply(saved ? http::json_response(201, snapshot_json(*saved))
                                    : state_problem(saved.error()));
                    });
                }});
    router.add({Method::get, "/api/test/snapshots", http::Body::none, kTesters,
                [&snapshots](const http::Request&, http::Reply reply) {
                    json::array items;
                    for (const auto& info : snapshots.list()) {
                        items.push_back(snapshot_json(info));
                    }
                    reply(http::json_response(200, json::object{{"items", std::move(items)}}));
                }});
    router.add({Method::delete_, "/api/test/snapshots/{name}", http::Body::none, kTesters,
                [&snapshots](const http::Request& request, http::Reply reply) {
                    const auto name = request.param("name");
                    reply(snapshots.remove(name)
                              ? no_content()
                              : state_problem(failure(Snapshots::errc::unknown, {name})));
                }});
}

}  // namespace shopd
