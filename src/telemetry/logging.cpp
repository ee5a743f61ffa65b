#include "telemetry/logging.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <shopd/clock.hpp>

namespace shopd::telemetry {
namespace {

thread_local std::string correlation_id;
thread_local std::string request_id;

std::string json_string(std::string_view text) {
    return boost::json::serialize(boost::json::string(text));
}

std::string_view level_name(spdlog::level::level_enum level) {
    const auto name = spdlog::level::to_string_view(level);
    return {name.data(), name.size()};
}

class CorrelationFlag final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg&, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        if (!correlation_id.empty()) {
            const std::string text = " [" + correlation_id + "]";
            dest.append(text.data(), text.data() + text.size());
        }
        if (!request_id.empty()) {
            const std::string text = " request_id=" + request_id;
            dest.append(text.data(), text.data() + text.size());
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<CorrelationFlag>();
    }
};

// One JSON object per line: time, level, message and, when set, the correlation id.
class JsonFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        std::string line = "{\"time\":" + json_string(rfc3339(msg.time)) +
                           ",\"level\":" + json_string(level_name(msg.level)) +
                           ",\"message\":" + json_string({msg.payload.data(), msg.payload.size()});
        if (!correlation_id.empty()) {
            line += ",\"correlation_id\":" + json_string(correlation_id);
        }
        if (!request_id.empty()) {
            line += ",\"request_id\":" + json_string(request_id);
        }
        line += "}\n";
        dest.append(line.data(), line.data() + line.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

}  // namespace

void configure_logging(std::string_view level, LogFormat format) {
    auto logger = std::make_shared<spdlog::logger>(
        "shopd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    spdlog::set_default_logger(logger);
    if (format == LogFormat::json) {
        logger->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<CorrelationFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$%* %v");
        logger->set_formatter(std::move(formatter));
    }
    logger->set_level(spdlog::level::from_str(std::string{level}));
    logger->flush_on(spdlog::level::warn);
}

CorrelationScope::CorrelationScope(std::string_view id, std::string_view request)
    : previous_(std::move(correlation_id)), previous_request_(std::move(request_id)) {
    correlation_id = id;
    request_id = request;
}

CorrelationScope::~CorrelationScope() {
    correlation_id = std::move(previous_);
    request_id = std::move(previous_request_);
}

std::string_view current_correlation_id() {
    return correlation_id;
}

}  // namespace shopd::telemetry
