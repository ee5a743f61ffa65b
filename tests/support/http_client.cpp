#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <strings.h>
#include <unistd.h>

namespace shopd::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string HttpResult::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return value;
        }
    }
    return {};
}

boost::json::value HttpResult::json() const {
    return boost::json::parse(body);
}

struct HttpClient::Impl {
    asio::io_context io;
    beast::tcp_stream stream{io};
    unsigned short port;
    beast::flat_buffer buffer;

    void connect() { stream.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}); }
};

namespace {

// With SHOPD_RESPONSE_LOG set, every exchange is appended to that file as one JSON line, for
// the check that every response the tests provoke matches the OpenAPI document.
void record_exchange(std::string_view method, std::string_view target, const HttpResult& result) {
    static const char* const log = std::getenv("SHOPD_RESPONSE_LOG");
    if (log == nullptr || *log == '\0') {
        return;
    }
    const auto line =
        boost::json::serialize(boost::json::object{{"method", method},
                                                   {"target", target},
                                                   {"status", result.status},
                                                   {"content_type", result.header("Content-Type")},
                                                   {"body", result.body}}) +
        "\n";
    // One write per line with O_APPEND: lines of parallel test processes do not interleave.
    const int fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        [[maybe_unused]] const auto written = ::write(fd, line.data(), line.size());
        ::close(fd);
    }
}

}  // namespace

HttpClient::HttpClient(unsigned short port) : impl_(std::make_unique<Impl>()) {
    impl_->port = port;
    impl_->connect();
}

HttpClient::~HttpClient() {
    beast::error_code ignored;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

HttpResult HttpClient::request(std::string_view method, std::string_view target,
                               const std::string& body,
                               std::vector<std::pair<std::string, std::string>> headers) {
    bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) {
        request.set(name, value);
    }
    request.body() = body;
    request.prepare_payload();
    if (!impl_->stream.socket().is_open()) {
        impl_->connect();
    }
    impl_->stream.expires_after(std::chrono::seconds(30));
    bhttp::write(impl_->stream, request);
    bhttp::response<bhttp::string_body> response;
    bhttp::read(impl_->stream, impl_->buffer, response);
    HttpResult result{response.result_int(), {}, response.body()};
    for (const auto& field : response) {
        result.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
    }
    if (!response.keep_alive()) {
        beast::error_code ignored;
        impl_->stream.socket().close(ignored);
    }
    record_exchange(method, target, result);
    return result;
}

namespace {

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd descriptor{fd, POLLIN, 0};
    return ::poll(&descriptor, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    boost::system::error_code error;
    asio::write(socket, asio::buffer(bytes), error);
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 4096> chunk{};
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (!wait_readable(socket.native_handle(), left)) {
            break;
        }
        const auto read = socket.read_some(asio::buffer(chunk), error);
        if (error) {
            break;
        }
        received.append(chunk.data(), read);
    }
    return received;
}

struct IdleConnection::Impl {
    asio::io_context io;
    tcp::socket socket{io};
};

IdleConnection::IdleConnection(unsigned short port) : impl_(std::make_unique<Impl>()) {
    impl_->socket.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
}

IdleConnection::~IdleConnection() = default;

std::string IdleConnection::read_some(std::chrono::milliseconds timeout) {
    std::string received;
    std::array<char, 4096> chunk{};
    boost::system::error_code error;
    while (wait_readable(impl_->socket.native_handle(), timeout)) {
        const auto read = impl_->socket.read_some(asio::buffer(chunk), error);
        if (error) {
            break;
        }
        received.append(chunk.data(), read);
    }
    return received;
}

std::string IdleConnection::read_until(std::string_view marker, std::chrono::milliseconds timeout) {
    std::string received;
    std::array<char, 4096> chunk{};
    boost::system::error_code error;
    while (received.find(marker) == std::string::npos &&
           wait_readable(impl_->socket.native_handle(), timeout)) {
        const auto read = impl_->socket.read_some(asio::buffer(chunk), error);
        if (error) {
            break;
        }
        received.append(chunk.data(), read);
    }
    return received;
}

void IdleConnection::send(const std::string& bytes) {
    asio::write(impl_->socket, asio::buffer(bytes));
}

bool IdleConnection::closed_by_server(std::chrono::milliseconds timeout) {
    if (!wait_readable(impl_->socket.native_handle(), timeout)) {
        return false;
    }
    std::array<char, 1> byte{};
    boost::system::error_code error;
    impl_->socket.read_some(asio::buffer(byte), error);
    return error == asio::error::eof || error == asio::error::connection_reset;
}

}  // namespace shopd::testing
