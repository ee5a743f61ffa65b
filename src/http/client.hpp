#pragma once
// Outgoing HTTP/1.1 requests, for modules that call out (webhooks). The Beast side stays in
// client.cpp.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "http/http.hpp"

namespace shopd::http {

struct OutgoingRequest {
    std::string url;  // http://host[:port]/path
    std::vector<Header> headers;
    std::string content_type = "application/json";
    std::string body;
    std::chrono::milliseconds timeout{5000};  // for the whole exchange
};

struct OutgoingResult {
    unsigned status = 0;  // 0: no response (see error)
    std::string error;
};

// POSTs the request on a new connection and calls `done` once with the outcome.
void post(boost::asio::any_io_executor executor, OutgoingRequest request,
          std::function<void(OutgoingResult)> done);

}  // namespace shopd::http
