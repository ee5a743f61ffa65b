#pragma once
// Waiting for a condition that other strands make true, without holding a thread.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>

namespace shopd {

// Calls `done(true)` on `executor` once `condition()` holds, looking every millisecond, or
// `done(false)` once `timeout` passed first.
void when(boost::asio::any_io_executor executor, std::function<bool()> condition,
          std::chrono::milliseconds timeout, std::function<void(bool)> done);

}  // namespace shopd
