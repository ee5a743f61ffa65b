#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <shopd/metrics.hpp>

#include "http/router.hpp"
#include "telemetry/request_telemetry.hpp"

namespace shopd::http {

struct ServerLimits {
    std::int64_t body_limit_bytes;
    std::int64_t header_limit_bytes;
    std::chrono::milliseconds header_timeout;  // idle keep-alive time included
    std::chrono::milliseconds body_timeout;    // also bounds writing the response
    int max_connections;
    int max_connections_per_client;
    std::int64_t stream_buffer_bytes;
};

// HTTP/1.1 with keep-alive on one port. Every request goes to the router; the server itself
// answers only what happens before routing (413, 431, 408, 400, 503 over the connection limit).
//
// Connections: near max_connections (and a client address near max_connections_per_client) a
// new connection makes room by closing the one idle the longest. The last eighth of
// max_connections serves only the operations routes, so that a probe still gets its answer
// when every other connection is busy.
// PEM files of the server's TLS certificate chain and key, and optionally of the CA that
// client certificates are checked against.
struct TlsFiles {
    std::string certificate;
    std::string key;
    std::string client_ca;
};

class Server {
  public:
    Server(boost::asio::io_context& io, const Router& router, ServerLimits limits,
           telemetry::MetricsRegistry& metrics, const telemetry::RequestTelemetry& telemetry);
    ~Server();

    // Binds the port now, so a taken port fails start-up and port 0 is resolved.
    void listen(const std::string& host, unsigned short port);
    unsigned short port() const;
    // From now on new connections speak TLS with these files; connections open keep theirs.
    // Throws std::runtime_error (and keeps what it had) when they cannot be used.
    void use_tls(const TlsFiles& files);
    void start();
    // Stops accepting and closes idle connections; a request under way is answered first.
    void shutdown();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace shopd::http
