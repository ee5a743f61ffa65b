#pragma once

#include <string>
#include <string_view>

#include <shopd/config.hpp>

namespace shopd::telemetry {

// Sets the level (trace, debug, info, warn, error, critical, off) and the format of the
// default spdlog logger, which writes to stderr.
void configure_logging(std::string_view level, LogFormat format);

// Tags every log line written on this thread, while it lives, with a correlation id and the
// id of the request being answered.
class CorrelationScope {
  public:
    explicit CorrelationScope(std::string_view correlation_id, std::string_view request_id = {});
    ~CorrelationScope();
    CorrelationScope(const CorrelationScope&) = delete;
    CorrelationScope& operator=(const CorrelationScope&) = delete;

  private:
    std::string previous_;
    std::string previous_request_;
};

std::string_view current_correlation_id();

}  // namespace shopd::telemetry
