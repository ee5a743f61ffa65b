#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <shopd/http.hpp>

#include "http/cors.hpp"

namespace shopd::http {

// Maps a request to its route's handler, answering the protocol-level errors itself: 404 for
// an unknown path, 405 (with Allow) for a known path with another method, 415 and 400 for a
// JSON route given something other than a JSON object, 500 for a handler that throws.
class Router {
  public:
    // Decides whether a matched request reaches its route: a response refuses it. `headers`
    // go on whatever answers the request (rate limit state, say).
    using Gate = std::function<std::optional<Response>(Request&, const Route&,
                                                       std::vector<Header>& headers)>;

    explicit Router(int json_max_depth) : json_max_depth_(json_max_depth) {}

    // Runs before the body is read and the handler called; none: every request passes.
    void set_gate(Gate gate) { gate_ = std::move(gate); }
    // Asked about every request once the gate has seen it (the caller is known then); what it
    // returns, when not empty, is told the request's answer. The audit's source.
    using Observer =
        std::function<std::function<void(const Response&)>(const Request&, const Route&)>;
    void set_observer(Observer observer) { observer_ = std::move(observer); }
    // Answers preflights and marks answers for the origins `cors` allows; default: none.
    void set_cors(Cors cors) { cors_ = std::move(cors); }

    void add(Route route);
    void add(Method method, std::string pattern, Body body, Handler handler, Roles roles = {}) {
        add(Route{method, std::move(pattern), body, std::move(roles), std::move(handler)});
    }

    // Routes and answers; returns the matched pattern, or an empty string when none matched.
    std::string route(Request& request, Reply reply) const;

    const std::vector<Route>& routes() const { return routes_; }

  private:
    struct Compiled {
        Route route;
        std::vector<std::string> segments;  // "{name}" marks a parameter
    };
    static bool matches(const Compiled& compiled, const Request& request);

    int json_max_depth_;
    Gate gate_;
    Observer observer_;
    Cors cors_;
    std::vector<Route> routes_;
    std::vector<Compiled> compiled_;
};

}  // namespace shopd::http
