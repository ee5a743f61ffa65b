#pragma once
// Requests and responses as plain values: what route handlers see and what a module sends out.
// The socket side (Beast) stays in the platform.

#include <boost/json/value.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/roles.hpp>

namespace shopd::http {

enum class Method { get, head, post, put, patch, delete_, options, other };
std::string_view method_name(Method method);
// GET, HEAD and OPTIONS, which change nothing (RFC 9110 §9.2.1); every other method may.
constexpr bool is_safe(Method method) {
    return method == Method::get || method == Method::head || method == Method::options;
}

struct Header {
    std::string name;
    std::string value;
};

struct Request {
    Method method = Method::get;
    std::string target;                 // as sent: path and query, percent-encoded
    std::vector<std::string> segments;  // the path's segments, decoded
    std::vector<std::pair<std::string, std::string>> query;  // decoded
    std::vector<Header> headers;
    std::string body;
    // The peer's IP address as the server saw it; empty for an in-process request.
    std::string client_address;
    // The subject of the client's TLS certificate, verified against server.tls_client_ca.
    std::string client_certificate;
    // Filled by the server: the request's X-Request-Id (the client's or a new one), and the
    // traceparent of the request's span, the parent of all the work it causes.
    std::string request_id;
    std::string traceparent;

    // Filled by the gateway: who calls (a role of the route's, or admin).
    Caller caller;
    // Filled by the router for the matched route: its pattern and parameters.
    std::string route;
    std::map<std::string, std::string, std::less<>> path_params;
    boost::json::value json;  // the parsed body of a route that takes JSON

    std::optional<std::string_view> header(std::string_view name) const;  // any case
    std::optional<std::string_view> query_param(std::string_view name) const;
    const std::string& param(std::string_view name) const;
};

// A response body written while it is produced: Server-Sent Events. The producer pushes from
// any thread; the server writes what was pushed until the producer closes the stream, the
// client goes away, or the server shuts down.
class EventStream {
  public:
    // False once the stream is closed: the producer should forget it.
    bool push(std::string chunk);
    void close();
    bool closed() const;

    // The server's side: `wake` is called after each push and on close.
    void on_wake(std::function<void()> wake);
    // At most `bytes` wait for a client that does not read them: a push past that drops them,
    // leaves only `farewell` (an event telling the client to reconnect) to write, and closes.
    void bound(std::size_t bytes, std::string farewell);
    // What was pushed, in order, up to about 64 KiB at once; empty when nothing waits.
    std::string take();

  private:
    mutable std::mutex mutex_;
    std::deque<std::string> pending_;  // pushed and not yet taken, each as pushed
    std::size_t pending_bytes_ = 0;
    bool closed_ = false;
    std::function<void()> wake_;
    std::size_t bound_ = 0;  // 0: none
    std::string farewell_;
};

struct Response {
    unsigned status = 200;
    std::string content_type;
    std::vector<Header> headers;
    std::string body;
    std::shared_ptr<EventStream> stream;  // set: the body is this stream, not `body`
};

// Fills the target, path segments and query of `request` from a request target as sent;
// false when the target is not an origin-form path (/path?query).
bool read_target(std::string_view target, Request& request);

Response json_response(unsigned status, const boost::json::value& body);

// Whether the request's If-None-Match names `etag` (a quoted strong validator) or "*": the
// client holds this version already and is answered 304.
bool not_modified(const Request& request, std::string_view etag);

// An RFC 9457 problem detail. `type` is a short slug made into a URN; `errors` name the
// request fields that are wrong.
struct FieldError {
    std::string field;
    std::string message;
};
Response problem(unsigned status, std::string_view type, std::string_view title,
                 std::string_view detail = {}, const std::vector<FieldError>& errors = {});

// 503 problem+json with Retry-After: the request may succeed when repeated later.
Response unavailable(std::string_view type, std::string_view detail, int retry_after_seconds = 1);

// The one-time answer to a request. Copies share it; the first call wins. A request whose
// last copy of Reply is dropped unanswered gets a 500, so no client waits forever.
class Reply {
  public:
    using Sink = std::function<void(Response)>;
    explicit Reply(Sink sink);
    void operator()(Response response) const;

  private:
    struct State;
    std::shared_ptr<State> state_;
};

enum class Body {
    none,  // any body is ignored
    json,  // application/json holding an object, parsed into Request::json before the handler
    json_or_empty,  // as json, and no body at all is read as {}
    bytes,          // any type: the handler reads Request::body and its Content-Type itself
};

using Handler = std::function<void(const Request&, Reply)>;

// Which of a client's rate limits a route counts against.
enum class Limit {
    read,    // rate_limit.read_per_minute: the API's reads and changes
    intake,  // rate_limit.intake_per_minute: routes that take new work in (ModuleBuilder::intake)
    none,    // probes, metrics and documents
};

struct Route {
    Method method;
    std::string pattern;  // e.g. /api/orders/{id}/cancel
    Body body = Body::none;
    Roles roles;  // who may call it besides admin; empty: admin only
    Handler handler;
    Limit limit = Limit::read;
};

// A request a module sends out (a webhook): POSTed on a new connection.
struct OutgoingRequest {
    std::string url;  // http:// or https://host[:port]/path
    std::vector<Header> headers;
    std::string content_type = "application/json";
    std::string body;
    std::chrono::milliseconds timeout{5000};  // for the whole exchange
    // What the call concerns (an order id, say): test mode's journal files it under that.
    std::string about = {};
    // For https://: PEM CAs the server's certificate must chain to; empty: the system's.
    std::string ca_file = {};
    // The span the call belongs to (a traceparent): the call's own span is its child, and
    // the request carries the call's span as its traceparent header.
    std::string traceparent = {};
};

struct OutgoingResult {
    unsigned status = 0;  // 0: no response (see error)
    std::string error;
};

}  // namespace shopd::http
