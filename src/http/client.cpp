#include "http/client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <map>
#include <mutex>

#include "util/failure.hpp"

namespace shopd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// The TLS client settings for one set of trusted CAs, made once: loading the system's CAs
// costs more than a request.
std::shared_ptr<asio::ssl::context> client_context(const std::string& ca_file) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<asio::ssl::context>> contexts;
    std::lock_guard lock(mutex);
    auto& context = contexts[ca_file];
    if (!context) {
        auto made = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(made->native_handle(), TLS1_2_VERSION);
        made->set_verify_mode(asio::ssl::verify_peer);
        if (ca_file.empty()) {
            made->set_default_verify_paths();
        } else {
            made->load_verify_file(ca_file);
        }
        context = std::move(made);
    }
    return context;
}

template <typename Stream>
asio::awaitable<OutgoingResult> send_over(Stream& stream,
                                          bhttp::request<bhttp::string_body>& outgoing) {
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
    co_return OutgoingResult{parser.get().result_int(), {}};
}

asio::awaitable<OutgoingResult> exchange(OutgoingRequest request) {
    const auto url = boost::urls::parse_absolute_uri(request.url);
    const bool tls = url && url->scheme() == "https";
    if (!url || (url->scheme() != "http" && !tls) || url->host().empty()) {
        co_return OutgoingResult{0, fmt::format("not an http:// or https:// URL: {}", request.url)};
    }
    const std::string host = url->host();
    const std::string port =
        url->has_port() ? std::string{url->port()} : std::string{tls ? "443" : "80"};
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
    OutgoingResult result;
    if (tls) {
        std::shared_ptr<asio::ssl::context> context;
        try {
            context = client_context(request.ca_file);
        } catch (const boost::system::system_error& error) {
            co_return OutgoingResult{
                0, fmt::format("CA file '{}': {}", request.ca_file, error.code().message())};
        }
        asio::ssl::stream<beast::tcp_stream&> secured(stream, *context);
        SSL_set_tlsext_host_name(secured.native_handle(), host.c_str());
        secured.set_verify_callback(asio::ssl::host_name_verification(host));
        auto [handshake_error] =
            co_await secured.async_handshake(asio::ssl::stream_base::client, kUseTuple);
        if (handshake_error) {
            co_return OutgoingResult{0, fmt::format("TLS: {}", handshake_error.message())};
        }
        result = co_await send_over(secured, outgoing);
    } else {
        result = co_await send_over(stream, outgoing);
    }
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return result;
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
