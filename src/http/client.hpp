#pragma once
// Outgoing HTTP/1.1 requests, for modules that call out (webhooks, through the module API).
// The Beast side stays in client.cpp.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <shopd/http.hpp>

namespace shopd::http {

// POSTs the request on a new connection and calls `done` once with the outcome.
void post(boost::asio::any_io_executor executor, OutgoingRequest request,
          std::function<void(OutgoingResult)> done);

}  // namespace shopd::http
