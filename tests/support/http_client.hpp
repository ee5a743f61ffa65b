#pragma once
// A blocking HTTP/1.1 client over one keep-alive connection, and raw socket exchanges for
// requests no well-behaved client would send.

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shopd::testing {

struct HttpResult {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string header(std::string_view name) const;
    boost::json::value json() const;
};

class HttpClient {
  public:
    explicit HttpClient(unsigned short port);
    ~HttpClient();

    HttpResult request(std::string_view method, std::string_view target,
                       const std::string& body = {},
                       std::vector<std::pair<std::string, std::string>> headers = {});
    HttpResult get(std::string_view target) { return request("GET", target); }
    HttpResult post_json(std::string_view target, const std::string& body) {
        return request("POST", target, body, {{"Content-Type", "application/json"}});
    }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sends `bytes` on a new connection, then reads until the server closes it or `timeout`
// passes; returns what was read.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// Opens a connection and keeps it open, sending nothing, until destroyed.
class IdleConnection {
  public:
    explicit IdleConnection(unsigned short port);
    ~IdleConnection();
    void send(const std::string& bytes);
    // True when the server closed the connection within `timeout`.
    bool closed_by_server(std::chrono::milliseconds timeout);
    // Reads whatever the server sends within `timeout`.
    std::string read_some(std::chrono::milliseconds timeout);
    // Reads until what was read holds `marker`, or nothing more came for `timeout`.
    std::string read_until(std::string_view marker, std::chrono::milliseconds timeout);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shopd::testing
