#pragma once
// A local HTTP server standing in for a customer's webhook endpoint: it records every request
// and answers with the statuses it is told to, then 200.

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shopd::testing {

struct ReceivedRequest {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string header(std::string_view name) const;
};

class WebhookReceiver {
  public:
    // `failures`: the statuses of the first answers, e.g. {500, 503}; later answers are 200.
    explicit WebhookReceiver(std::vector<unsigned> failures = {});
    ~WebhookReceiver();

    std::string url() const;
    std::vector<ReceivedRequest> received() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shopd::testing
