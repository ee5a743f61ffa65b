#include "telemetry/access_log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <shopd/clock.hpp>

namespace shopd::telemetry {
namespace {

constexpr std::size_t kWaitingLines = 8192;

std::string json_string(std::string_view text) {
    return boost::json::serialize(boost::json::string(text));
}

std::string_view or_dash(std::string_view text) {
    return text.empty() ? std::string_view{"-"} : text;
}

}  // namespace

AccessLog::AccessLog(LogFormat format)
    : format_(format), pool_(std::make_shared<spdlog::details::thread_pool>(kWaitingLines, 1)) {
    // The console sinks of one kind share one lock, so these lines never split the others.
    logger_ = std::make_shared<spdlog::async_logger>(
        "access", std::make_shared<spdlog::sinks::stderr_sink_mt>(), pool_,
        spdlog::async_overflow_policy::overrun_oldest);
    logger_->set_pattern(format == LogFormat::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e access %v");
    logger_->set_level(spdlog::level::info);
}

AccessLog::~AccessLog() {
    logger_->flush();
}

void AccessLog::write(const AccessEntry& entry) {
    const double milliseconds = entry.seconds * 1000;
    if (format_ == LogFormat::json) {
        logger_->info(R"({{"time":{},"type":"access","method":{},"route":{},"status":{},)"
                      R"("duration_ms":{:.3f},"bytes":{},"client":{},"actor":{},"request_id":{}}})",
                      json_string(rfc3339(std::chrono::system_clock::now())),
                      json_string(entry.method), json_string(entry.route), entry.status,
                      milliseconds, entry.bytes, json_string(entry.client),
                      json_string(entry.actor), json_string(entry.request_id));
        return;
    }
    logger_->info("{} {} {} {:.3f}ms {}B client={} actor={} request_id={}", entry.method,
                  or_dash(entry.route), entry.status, milliseconds, entry.bytes,
                  or_dash(entry.client), entry.actor.empty() ? "-" : json_string(entry.actor),
                  entry.request_id);
}

std::uint64_t AccessLog::dropped() const {
    return pool_->overrun_counter();
}

}  // namespace shopd::telemetry
