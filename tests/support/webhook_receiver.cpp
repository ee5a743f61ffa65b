#include "support/webhook_receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <strings.h>

namespace shopd::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string ReceivedRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return value;
        }
    }
    return {};
}

struct WebhookReceiver::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    mutable std::mutex mutex;
    std::deque<unsigned> failures;
    std::vector<ReceivedRequest> received;
    std::atomic<bool> stopping{false};
    std::thread thread;

    void serve() {
        while (!stopping) {
            tcp::socket socket(io);
            beast::error_code error;
            acceptor.accept(socket, error);
            if (error || stopping) {
                return;
            }
            beast::flat_buffer buffer;
            bhttp::request<bhttp::string_body> request;
            bhttp::read(socket, buffer, request, error);
            if (error) {
                continue;
            }
            unsigned status = 200;
            {
                std::lock_guard lock(mutex);
                ReceivedRequest record{std::string{request.target()}, {}, request.body()};
                for (const auto& field : request) {
                    record.headers.emplace_back(std::string{field.name_string()},
                                                std::string{field.value()});
                }
                received.push_back(std::move(record));
                if (!failures.empty()) {
                    status = failures.front();
                    failures.pop_front();
                }
            }
            bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(status), 11};
            response.body() = "{}";
            response.keep_alive(false);
            response.prepare_payload();
            bhttp::write(socket, response, error);
            socket.shutdown(tcp::socket::shutdown_both, error);
        }
    }
};

WebhookReceiver::WebhookReceiver(std::vector<unsigned> failures) : impl_(std::make_unique<Impl>()) {
    impl_->failures.assign(failures.begin(), failures.end());
    impl_->thread = std::thread([this] { impl_->serve(); });
}

WebhookReceiver::~WebhookReceiver() {
    impl_->stopping = true;
    // Wake the blocking accept with one last connection.
    beast::error_code ignored;
    asio::io_context io;
    tcp::socket poke(io);
    poke.connect(impl_->acceptor.local_endpoint(), ignored);
    impl_->thread.join();
}

std::string WebhookReceiver::url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port()) +
           "/hooks/shopd";
}

std::vector<ReceivedRequest> WebhookReceiver::received() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

}  // namespace shopd::testing
