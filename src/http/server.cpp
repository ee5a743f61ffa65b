// Incoming HTTP: one of the two translation units that include Beast (client.cpp is the other).
#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>

namespace shopd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// How long an idle connection may still send a request once the server is stopping. One that
// has sent nothing yet was opened for a request its client is about to send, which a busy
// client may take a while to write: it gets longer than one idle between requests.
constexpr auto kShutdownGrace = std::chrono::milliseconds(250);
constexpr auto kShutdownFirstRequestGrace = std::chrono::milliseconds(2000);
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

Method method_of(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get:
            return Method::get;
        case bhttp::verb::head:
            return Method::head;
        case bhttp::verb::post:
            return Method::post;
        case bhttp::verb::put:
            return Method::put;
        case bhttp::verb::patch:
            return Method::patch;
        case bhttp::verb::delete_:
            return Method::delete_;
        case bhttp::verb::options:
            return Method::options;
        default:
            return Method::other;
    }
}

// Nullopt when the target is not an origin-form URL path.
std::optional<Request> to_request(BeastRequest&& from) {
    Request request;
    if (!read_target(from.target(), request)) {
        return std::nullopt;
    }
    request.method = method_of(from.method());
    for (const auto& field : from) {
        request.headers.push_back({std::string{field.name_string()}, std::string{field.value()}});
    }
    request.body = std::move(from.body());
    return request;
}

BeastResponse to_beast(Response&& from, unsigned version, bool keep_alive) {
    BeastResponse response{static_cast<bhttp::status>(from.status), version};
    response.set(bhttp::field::server, "shopd");
    if (!from.content_type.empty()) {
        response.set(bhttp::field::content_type, from.content_type);
    }
    for (auto& header : from.headers) {
        response.set(header.name, header.value);
    }
    response.body() = std::move(from.body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    return response;
}

// The routes a probe or a scraper calls: what the reserved connections serve.
bool is_operations_target(std::string_view target) {
    const auto path = target.substr(0, target.find('?'));
    return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

Response too_many_connections() {
    return unavailable("too-many-connections", "too many open connections; try again shortly");
}

std::int64_t steady_now_ns() {
    return std::chrono::steady_clock::now().time_since_epoch().count();
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
    struct Connection {
        Connection(tcp::socket socket, asio::ip::address client_address, bool only_operations)
            : stream(std::move(socket)), client(client_address), operations_only(only_operations) {}
        beast::tcp_stream stream;
        // Under TLS, over `stream`; every read and write goes through it then.
        std::unique_ptr<asio::ssl::stream<beast::tcp_stream&>> tls;
        std::string client_certificate;  // the verified client certificate's subject
        const asio::ip::address client;
        // Admitted into the reserve kept for probes: answers only the operations routes.
        const bool operations_only;
        // Between a complete header and the written response, or while an event stream is open.
        std::atomic<bool> busy{false};
        std::atomic<bool> requested{false};  // a complete header came at least once
        std::atomic<std::int64_t> idle_since_ns{steady_now_ns()};
        std::atomic<bool> evicting{false};  // chosen to make room; closed unless a request came
        std::shared_ptr<asio::steady_timer> stream_wake;  // set while an event stream is open
    };

    // Runs `operation` (a generic lambda returning an awaitable) on the connection's stream:
    // the TLS one when there is one.
    template <typename Operation>
    static auto on_stream(Connection& connection, Operation operation) {
        return connection.tls ? operation(*connection.tls) : operation(connection.stream);
    }

    static std::chrono::milliseconds shutdown_grace(const Connection& connection) {
        return connection.requested ? kShutdownGrace : kShutdownFirstRequestGrace;
    }

    // Whether `connection` may be closed to make room: idle, and not chosen already.
    static bool evictable(const Connection& connection) {
        return !connection.busy && !connection.evicting;
    }

    Impl(asio::io_context& io_context, const Router& request_router, ServerLimits server_limits,
         telemetry::MetricsRegistry& metrics, const telemetry::RequestTelemetry& exchanges)
        : io(io_context),
          router(request_router),
          telemetry(exchanges),
          limits(server_limits),
          acceptor(asio::make_strand(io_context)),
          requests(metrics.counter("shopd_http_requests_total",
                                   "HTTP requests answered, by route, method and status.",
                                   {"route", "method", "status"})),
          latency(metrics.histogram(
              "shopd_http_request_duration_seconds",
              "Time from a complete request to its answer being ready, by route.", {"route"},
              {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})) {}

    // The subject of the client's certificate when it verified against the client CA.
    static std::string verified_subject(asio::ssl::stream<beast::tcp_stream&>& tls) {
        X509* certificate = SSL_get1_peer_certificate(tls.native_handle());
        if (certificate == nullptr) {
            return {};
        }
        std::string subject;
        if (SSL_get_verify_result(tls.native_handle()) == X509_V_OK) {
            char line[512];
            X509_NAME_oneline(X509_get_subject_name(certificate), line, sizeof line);
            subject = line;
        }
        X509_free(certificate);
        return subject;
    }

    std::shared_ptr<asio::ssl::context> tls_context() {
        std::lock_guard lock(tls_mutex);
        return tls;
    }

    asio::io_context& io;
    const Router& router;
    const telemetry::RequestTelemetry& telemetry;
    std::mutex tls_mutex;
    std::shared_ptr<asio::ssl::context> tls;  // new connections' TLS; null: plain HTTP
    ServerLimits limits;
    tcp::acceptor acceptor;
    telemetry::CounterFamily& requests;
    telemetry::HistogramFamily& latency;
    std::atomic<bool> stopping{false};
    unsigned short bound_port = 0;
    std::mutex connections_mutex;
    // Under connections_mutex: the open connections, how many are being closed to make room,
    // and the open connections per client address.
    std::set<std::shared_ptr<Connection>> connections;
    int evicting = 0;
    std::map<asio::ip::address, int> per_client;

    void record(const std::string& route, Method method, unsigned status, double seconds) {
        const auto route_label = route.empty() ? std::string{"unmatched"} : route;
        requests.with({route_label, std::string{method_name(method)}, std::to_string(status)})
            .inc();
        latency.with({route_label}).observe(seconds);
    }

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            auto [error, socket] = co_await acceptor.async_accept(asio::make_strand(io), kUseTuple);
            if (error) {
                if (stopping || error == asio::error::operation_aborted) {
                    co_return;
                }
                spdlog::warn("http: accept failed: {}", error.message());
                // Out of descriptors, the connection stays queued and accept fails again at
                // once: the connections being closed get a moment instead of a spinning loop.
                asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(kUseTuple);
                continue;
            }
            admit(std::move(socket));
        }
    }

    // The connections that count against a limit: those being closed to make room do not.
    int open_connections() const { return static_cast<int>(connections.size()) - evicting; }

    // Under connections_mutex: chooses the connection idle the longest among those `eligible`
    // and has it closed, unless a request reaches it first. False when none is idle.
    template <typename Eligible>
    bool evict_longest_idle(Eligible eligible) {
        std::shared_ptr<Connection> oldest;
        for (const auto& connection : connections) {
            if (evictable(*connection) && eligible(*connection) &&
                (!oldest || connection->idle_since_ns < oldest->idle_since_ns)) {
                oldest = connection;
            }
        }
        if (!oldest) {
            return false;
        }
        oldest->evicting = true;
        ++evicting;
        asio::post(oldest->stream.get_executor(), [self = shared_from_this(), oldest] {
            beast::error_code error;
            if (!oldest->busy && oldest->stream.socket().available(error) == 0) {
                close(*oldest);  // its session ends and forgets it
                return;
            }
            std::lock_guard lock(self->connections_mutex);
            oldest->evicting = false;
            --self->evicting;
        });
        return true;
    }

    void admit(tcp::socket socket) {
        beast::error_code error;
        const auto client = socket.remote_endpoint(error).address();
        if (error) {
            return;  // gone already
        }
        const int reserved =
            limits.max_connections > 1 ? std::max(1, limits.max_connections / 8) : 0;
        bool refused = false;
        bool operations_only = false;
        {
            std::lock_guard lock(connections_mutex);
            const auto from_client = per_client.find(client);
            if (from_client != per_client.end() &&
                from_client->second >= limits.max_connections_per_client) {
                refused = !evict_longest_idle([&client](const Connection& connection) {
                    return connection.client == client;
                });
            }
            if (!refused && open_connections() >= limits.max_connections - reserved &&
                !evict_longest_idle([](const Connection&) { return true; })) {
                operations_only = open_connections() < limits.max_connections;
                refused = !operations_only;
            }
        }
        auto connection = std::make_shared<Connection>(std::move(socket), client, operations_only);
        auto executor = connection->stream.get_executor();
        if (refused) {
            asio::co_spawn(executor, refuse(connection), asio::detached);
            return;
        }
        {
            std::lock_guard lock(connections_mutex);
            connections.insert(connection);
            ++per_client[client];
        }
        asio::co_spawn(executor, session(connection), asio::detached);
    }

    void forget(const std::shared_ptr<Connection>& connection) {
        std::lock_guard lock(connections_mutex);
        connections.erase(connection);
        if (connection->evicting) {
            --evicting;
        }
        const auto from_client = per_client.find(connection->client);
        if (--from_client->second == 0) {
            per_client.erase(from_client);
        }
    }

    // Takes the connections the kernel accepted already, so their requests are answered
    // rather than reset when the listening socket closes; then closes it.
    void drain_and_close_acceptor() {
        beast::error_code error;
        acceptor.non_blocking(true, error);
        while (!error) {
            tcp::socket socket(asio::make_strand(io));
            acceptor.accept(socket, error);
            if (!error) {
                admit(std::move(socket));
            }
        }
        acceptor.close(error);
    }

    asio::awaitable<void> refuse(std::shared_ptr<Connection> connection) {
        co_await write(*connection, too_many_connections(), 11, false);
        close(*connection);
    }

    // Answers a request that failed before routing, then the connection closes.
    asio::awaitable<void> fail(Connection& connection, unsigned status, std::string_view type,
                               std::string_view title, std::string_view detail) {
        record({}, Method::other, status, 0);
        co_await write(connection, problem(status, type, title, detail), 11, false);
    }

    asio::awaitable<bool> write(Connection& connection, Response response, unsigned version,
                                bool keep_alive) {
        auto beast_response = to_beast(std::move(response), version, keep_alive);
        connection.stream.expires_after(limits.body_timeout);
        auto [error, bytes] = co_await on_stream(connection, [&](auto& stream) {
            return bhttp::async_write(stream, beast_response, kUseTuple);
        });
        co_return !error;
    }

    // Cancels the connection's pending read when `limit` passes. Unlike tcp_stream's own
    // expiry, which closes the socket, this leaves it open for a 408 answer.
    class ReadDeadline {
      public:
        ReadDeadline(const std::shared_ptr<Connection>& connection, std::chrono::milliseconds limit)
            : timer_(connection->stream.get_executor()) {
            connection->stream.expires_never();
            timer_.expires_after(limit);
            timer_.async_wait([connection, state = state_](const boost::system::error_code& error) {
                if (!error && !state->finished) {
                    state->expired = true;
                    beast::error_code ignored;
                    connection->stream.socket().cancel(ignored);
                }
            });
        }
        ~ReadDeadline() {
            state_->finished = true;
            timer_.cancel();
        }
        bool expired() const { return state_->expired; }

      private:
        struct State {
            bool finished = false;
            bool expired = false;
        };
        asio::steady_timer timer_;
        std::shared_ptr<State> state_ = std::make_shared<State>();
    };

    static void close(Connection& connection) {
        beast::error_code ignored;
        connection.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        connection.stream.close();
    }

    asio::awaitable<Response> dispatch(Request& request, std::string& route) {
        co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
            [&](auto handler) {
                auto shared = std::make_shared<decltype(handler)>(std::move(handler));
                Reply reply([shared](Response response) {
                    auto executor = asio::get_associated_executor(*shared);
                    asio::post(executor, [shared, response = std::move(response)]() mutable {
                        (*shared)(std::move(response));
                    });
                });
                route = router.route(request, reply);
            },
            asio::use_awaitable);
    }

    asio::awaitable<void> session(std::shared_ptr<Connection> connection) {
        auto self = shared_from_this();
        if (auto context = tls_context()) {
            connection->tls = std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(
                connection->stream, *context);
            connection->stream.expires_after(limits.header_timeout);
            auto [error] = co_await connection->tls->async_handshake(asio::ssl::stream_base::server,
                                                                     kUseTuple);
            if (error) {
                spdlog::debug("http: TLS handshake with {} failed: {}",
                              connection->client.to_string(), error.message());
                forget(connection);
                close(*connection);
                co_return;
            }
            connection->client_certificate = verified_subject(*connection->tls);
        }
        co_await serve(connection);
        // Forgotten before the client sees the close, so that it finds room when it reconnects.
        forget(connection);
        close(*connection);
    }

    asio::awaitable<void> serve(const std::shared_ptr<Connection>& shared_connection) {
        auto& connection = *shared_connection;
        beast::flat_buffer buffer;
        for (;;) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(limits.header_limit_bytes));
            parser.body_limit(static_cast<std::uint64_t>(limits.body_limit_bytes));
            // While stopping, a connection gets a moment to send the request it opened for.
            const auto header_timeout = stopping
                                            ? std::min<std::chrono::milliseconds>(
                                                  limits.header_timeout, shutdown_grace(connection))
                                            : limits.header_timeout;
            std::optional<ReadDeadline> header_deadline(std::in_place, shared_connection,
                                                        header_timeout);
            auto [header_error, header_bytes] = co_await on_stream(connection, [&](auto& stream) {
                return bhttp::async_read_header(stream, buffer, parser, kUseTuple);
            });
            const bool header_expired = header_deadline->expired();
            header_deadline.reset();
            if (header_error == bhttp::error::header_limit) {
                co_await fail(
                    connection, 431, "header-too-large", "Request header fields too large",
                    fmt::format("the header exceeds {} bytes", limits.header_limit_bytes));
                co_return;
            }
            if (header_error == bhttp::error::body_limit) {
                co_await fail(connection, 413, "body-too-large", "Content too large",
                              fmt::format("the body exceeds {} bytes", limits.body_limit_bytes));
                co_return;
            }
            if (header_expired && buffer.size() > 0) {
                co_await fail(connection, 408, "request-timeout", "Request timeout",
                              "the request header was not complete in time");
                co_return;
            }
            if (header_expired || header_error == bhttp::error::end_of_stream ||
                header_error == asio::error::operation_aborted || (stopping && header_error)) {
                co_return;  // idle, gone, or closed by the shutdown
            }
            if (header_error) {
                co_await fail(connection, 400, "bad-request", "Bad request",
                              fmt::format("malformed HTTP request: {}", header_error.message()));
                co_return;
            }
            connection.busy = true;
            connection.requested = true;
            // RFC 9112 3.2: exactly one Host on HTTP/1.1, never two on any version.
            const auto hosts = parser.get().count(bhttp::field::host);
            if (hosts > 1 || (hosts == 0 && parser.get().version() >= 11)) {
                co_await fail(connection, 400, "bad-request", "Bad request",
                              hosts > 1 ? "the request has more than one Host header"
                                        : "an HTTP/1.1 request needs a Host header");
                co_return;
            }
            if (connection.operations_only && !is_operations_target(parser.get().target())) {
                record({}, Method::other, 503, 0);
                co_await write(connection, too_many_connections(), parser.get().version(), false);
                co_return;
            }

            if (parser.get()[bhttp::field::expect] == "100-continue") {
                bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_,
                                                           parser.get().version()};
                co_await on_stream(connection, [&](auto& stream) {
                    return bhttp::async_write(stream, proceed, kUseTuple);
                });
            }
            if (!parser.is_done()) {
                std::optional<ReadDeadline> body_deadline(std::in_place, shared_connection,
                                                          limits.body_timeout);
                auto [body_error, body_bytes] = co_await on_stream(connection, [&](auto& stream) {
                    return bhttp::async_read(stream, buffer, parser, kUseTuple);
                });
                const bool body_expired = body_deadline->expired();
                body_deadline.reset();
                if (body_error == bhttp::error::body_limit) {
                    co_await fail(
                        connection, 413, "body-too-large", "Content too large",
                        fmt::format("the body exceeds {} bytes", limits.body_limit_bytes));
                    co_return;
                }
                if (body_expired) {
                    co_await fail(connection, 408, "request-timeout", "Request timeout",
                                  "the request body was not complete in time");
                    co_return;
                }
                if (body_error) {
                    co_await fail(connection, 400, "bad-request", "Bad request",
                                  fmt::format("malformed HTTP body: {}", body_error.message()));
                    co_return;
                }
            }

            auto beast_request = parser.release();
            const auto version = beast_request.version();
            const bool keep_alive = beast_request.keep_alive();
            auto request = to_request(std::move(beast_request));
            if (!request) {
                co_await fail(connection, 400, "bad-request", "Bad request",
                              "the request target is not a valid path");
                co_return;
            }
            request->client_address = connection.client.to_string();
            request->client_certificate = connection.client_certificate;
            auto exchange = telemetry.begin(*request);
            std::string route;
            auto response = co_await dispatch(*request, route);
            record(
                route, request->method, response.status,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.started)
                    .count());
            telemetry.end(exchange, *request, response);
            if (response.stream) {
                co_await stream_events(shared_connection, std::move(response), version);
                co_return;
            }
            const bool stay = keep_alive && !stopping;
            const bool written = co_await write(connection, std::move(response), version, stay);
            connection.idle_since_ns = steady_now_ns();
            connection.busy = false;
            if (!written || !stay) {
                co_return;
            }
        }
    }

    // Writes the header, then whatever the producer pushes, until it closes the stream, the
    // client goes away or the server stops. The body ends with the connection.
    asio::awaitable<void> stream_events(const std::shared_ptr<Connection>& connection,
                                        Response response, unsigned version) {
        constexpr auto kHeartbeat = std::chrono::seconds(15);
        auto events = std::move(response.stream);
        bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(response.status),
                                                version};
        head.set(bhttp::field::server, "shopd");
        head.set(bhttp::field::content_type, response.content_type);
        head.set(bhttp::field::cache_control, "no-cache");
        for (auto& header : response.headers) {
            head.set(header.name, header.value);
        }
        head.keep_alive(false);
        bhttp::response_serializer<bhttp::empty_body> serializer{head};
        connection->stream.expires_after(limits.body_timeout);
        auto [header_error, header_bytes] = co_await on_stream(*connection, [&](auto& stream) {
            return bhttp::async_write_header(stream, serializer, kUseTuple);
        });

        events->bound(static_cast<std::size_t>(limits.stream_buffer_bytes),
                      fmt::format("event: reconnect\ndata: {{\"reason\":\"too-slow\",\"detail\":"
                                  "\"more than {} bytes waited for this client; reconnect\"}}\n\n",
                                  limits.stream_buffer_bytes));
        auto wake = std::make_shared<asio::steady_timer>(connection->stream.get_executor());
        connection->stream_wake = wake;
        events->on_wake([wake] { asio::post(wake->get_executor(), [wake] { wake->cancel(); }); });
        for (bool open = !header_error; open && !stopping;) {
            if (auto chunk = events->take(); !chunk.empty()) {
                connection->stream.expires_after(limits.body_timeout);
                auto [error, bytes] = co_await on_stream(*connection, [&](auto& stream) {
                    return asio::async_write(stream, asio::buffer(chunk), kUseTuple);
                });
                open = !error;
                continue;
            }
            if (events->closed()) {
                break;
            }
            wake->expires_after(kHeartbeat);
            auto [timer_error] = co_await wake->async_wait(kUseTuple);
            if (!timer_error) {
                static const std::string heartbeat = ": keep-alive\n\n";
                connection->stream.expires_after(limits.body_timeout);
                auto [error, bytes] = co_await on_stream(*connection, [&](auto& stream) {
                    return asio::async_write(stream, asio::buffer(heartbeat), kUseTuple);
                });
                open = !error;
            }
        }
        events->close();
        connection->stream_wake.reset();
    }

    void shutdown() {
        stopping = true;
        asio::post(acceptor.get_executor(),
                   [self = shared_from_this()] { self->drain_and_close_acceptor(); });
        std::lock_guard lock(connections_mutex);
        for (const auto& connection : connections) {
            asio::post(connection->stream.get_executor(), [connection] {
                if (connection->stream_wake) {
                    connection->stream_wake->cancel();
                    return;
                }
                // An idle connection may be a client between connecting and sending: it gets
                // a moment, then it is closed unless a request is being answered on it.
                auto grace = std::make_shared<asio::steady_timer>(connection->stream.get_executor(),
                                                                  shutdown_grace(*connection));
                grace->async_wait([connection, grace](const boost::system::error_code&) {
                    beast::error_code error;
                    const bool request_waiting = connection->stream.socket().available(error) > 0;
                    if (!connection->busy && !request_waiting) {
                        close(*connection);
                    }
                });
            });
        }
    }
};

Server::Server(asio::io_context& io, const Router& router, ServerLimits limits,
               telemetry::MetricsRegistry& metrics, const telemetry::RequestTelemetry& telemetry)
    : impl_(std::make_shared<Impl>(io, router, limits, metrics, telemetry)) {}

Server::~Server() = default;

void Server::listen(const std::string& host, unsigned short port) {
    const tcp::endpoint endpoint{asio::ip::make_address(host), port};
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    impl_->bound_port = acceptor.local_endpoint().port();
}

void Server::use_tls(const TlsFiles& files) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    try {
        context->use_certificate_chain_file(files.certificate);
        context->use_private_key_file(files.key, asio::ssl::context::pem);
        if (!files.client_ca.empty()) {
            context->load_verify_file(files.client_ca);
            // A client without a certificate still connects, and authenticates otherwise.
            context->set_verify_mode(asio::ssl::verify_peer);
            context->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
        }
    } catch (const boost::system::system_error& error) {
        throw std::runtime_error(fmt::format(
            "TLS files {} / {}{}: {}", files.certificate, files.key,
            files.client_ca.empty() ? "" : " / " + files.client_ca, error.code().message()));
    }
    std::lock_guard lock(impl_->tls_mutex);
    impl_->tls = std::move(context);
}

unsigned short Server::port() const {
    return impl_->bound_port;
}

void Server::start() {
    asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
}

void Server::shutdown() {
    impl_->shutdown();
}

}  // namespace shopd::http
