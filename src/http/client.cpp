#include "http/client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "util/failure.hpp"

namespace shopd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<OutgoingResult> exchange(OutgoingRequest request) {
    const auto url = boost::urls::parse_absolute_uri(request.url);
    if (!url || url->scheme() != "http" || url->host().empty()) {
        co_return OutgoingResult{0, fmt::format("not an http:// URL: {}", request.url)};
    }
    const std::string host = url->host();
    const std::string port = url->has_port() ? std::string{url->port()} : "80";
    const std::string target =
        url->encoded_target().empty() ? std::string{"/"} : std::string{url->encoded_target()};

    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    beast::tcp_stream stream(executor);
    stream.expires_after(request.timeout);
    auto [resolve_error, endpoints] = co_await resolver.async_resolve(host, port, kUseTuple);
    if (resolve_error) {
        co_return OutgoingResult{0, fmt::format("resolve {}: {}", host, resolve_error.message())};
    }
    auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, kUseTuple);
    if (connect_error) {
        co_return OutgoingResult{0, fmt::format("connect: {}", connect_error.message())};
    }
    bhttp::request<bhttp::string_body> outgoing{bhttp::verb::post, target, 11};
    outgoing.set(bhttp::field::host, std::string{url->encoded_host_and_port()});
    outgoing.set(bhttp::field::user_agent, "shopd");
    outgoing.set(bhttp::field::content_type, request.content_type);
    for (const auto& header : request.headers) {
        outgoing.set(header.name, header.value);
    }
    outgoing.body() = std::move(request.body);
    outgoing.keep_alive(false);
    outgoing.prepare_payload();
    auto [write_error, written] = co_await bhttp::async_write(stream, outgoing, kUseTuple);
    if (write_error) {
        co_return OutgoingResult{0, fmt::format("send: {}", write_error.message())};
    }
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1024 * 1024);
    auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
    if (read_error) {
        co_return OutgoingResult{0, fmt::format("receive: {}", read_error.message())};
    }
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return OutgoingResult{parser.get().result_int(), {}};
}

}  // namespace

void post(asio::any_io_executor executor, OutgoingRequest request,
          std::function<void(OutgoingResult)> done) {
    asio::co_spawn(executor, exchange(std::move(request)),
                   [done = std::move(done)](std::exception_ptr failure, OutgoingResult result) {
                       if (failure) {
                           result = OutgoingResult{0, failure_text(failure)};
                       }
                       done(std::move(result));
                   });
}

}  // namespace shopd::http
