#pragma once
// What every request the server answers leaves behind: its request id (the client's
// X-Request-Id, or a new one) on the answer and in problem details, its server span as the
// parent of all the work it causes, and its access-log line.

#include <chrono>
#include <string>

#include <shopd/http.hpp>
#include <shopd/tracing.hpp>

#include "telemetry/access_log.hpp"
#include "telemetry/tracer.hpp"

namespace shopd::telemetry {

class RequestTelemetry {
  public:
    // `access_log` null: no access log.
    RequestTelemetry(Tracer& tracer, AccessLog* access_log)
        : tracer_(tracer), access_log_(access_log) {}

    struct Exchange {
        TraceSpan span;
        std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    };
    // Before routing: fills the request's id and traceparent.
    Exchange begin(http::Request& request) const;
    // Once answered: marks the response with the request id, ends the span, logs the line.
    void end(Exchange& exchange, const http::Request& request, http::Response& response) const;

  private:
    Tracer& tracer_;
    AccessLog* access_log_;
};

// The client's X-Request-Id when it is 1-128 of A-Za-z0-9._-, else empty.
std::string given_request_id(const http::Request& request);

}  // namespace shopd::telemetry
