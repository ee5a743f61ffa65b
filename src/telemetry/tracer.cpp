#include "telemetry/tracer.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <spdlog/spdlog.h>

#include <shopd/ids.hpp>

#include "config/config_loader.hpp"
#include "http/client.hpp"

namespace shopd {

void TraceSpan::add(std::string_view key, SpanValue value) {
    data_->attributes.emplace_back(key, std::move(value));
}

void TraceSpan::end() {
    if (!data_) {
        return;
    }
    data_->end_unix_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    auto data = std::move(data_);
    sink_->finished(std::move(*data));
}

}  // namespace shopd

namespace shopd::telemetry {
namespace json = boost::json;

namespace {

constexpr std::size_t kBatchSpans = 512;

std::int64_t unix_nanos_now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool is_ratio_sampler(TraceSampler kind) {
    return kind == TraceSampler::traceidratio || kind == TraceSampler::parentbased_traceidratio;
}

// The export is written as text, not built as a document: it is the one part of tracing that
// grows with the traffic.
void append_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
        } else {
            out += c;
        }
    }
    out += '"';
}

void append_value(std::string& out, const SpanValue& value) {
    std::visit(
        [&out](const auto& held) {
            using T = std::decay_t<decltype(held)>;
            if constexpr (std::is_same_v<T, std::string>) {
                out += R"({"stringValue":)";
                append_string(out, held);
                out += '}';
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                // proto3's JSON mapping writes 64-bit integers as strings.
                fmt::format_to(std::back_inserter(out), R"({{"intValue":"{}"}})", held);
            } else if constexpr (std::is_same_v<T, double>) {
                fmt::format_to(std::back_inserter(out), R"({{"doubleValue":{}}})", held);
            } else {
                out += held ? R"({"boolValue":true})" : R"({"boolValue":false})";
            }
        },
        value);
}

void append_span(std::string& out, const SpanData& span) {
    fmt::format_to(std::back_inserter(out),
                   R"({{"traceId":"{}","spanId":"{}","kind":{},"startTimeUnixNano":"{}",)"
                   R"("endTimeUnixNano":"{}")",
                   span.trace_id, span.span_id, static_cast<int>(span.kind), span.start_unix_nanos,
                   span.end_unix_nanos);
    if (!span.parent_span_id.empty()) {
        fmt::format_to(std::back_inserter(out), R"(,"parentSpanId":"{}")", span.parent_span_id);
    }
    if (!span.trace_state.empty()) {
        out += R"(,"traceState":)";
        append_string(out, span.trace_state);
    }
    out += R"(,"name":)";
    append_string(out, span.name);
    out += R"(,"attributes":[)";
    for (std::size_t i = 0; i < span.attributes.size(); ++i) {
        out += i == 0 ? R"({"key":)" : R"(,{"key":)";
        append_string(out, span.attributes[i].first);
        out += R"(,"value":)";
        append_value(out, span.attributes[i].second);
        out += '}';
    }
    out += ']';
    if (!span.links.empty()) {
        out += R"(,"links":[)";
        bool first = true;
        for (const auto& link : span.links) {
            if (is_valid_traceparent(link)) {
                fmt::format_to(std::back_inserter(out), R"({}{{"traceId":"{}","spanId":"{}"}})",
                               first ? "" : ",", link.substr(3, 32), link.substr(36, 16));
                first = false;
            }
        }
        out += ']';
    }
    if (span.failed) {
        out += R"(,"status":{"code":2,"message":)";
        append_string(out, span.status_message);
        out += "}}";
    } else {
        out += R"(,"status":{}})";
    }
}

std::pair<std::string, std::string> split_pair(const std::string& item) {
    const auto equals = item.find('=');
    return {item.substr(0, equals), item.substr(equals + 1)};
}

}  // namespace

void describe_message(TraceSpan& span, std::string_view system, std::string_view operation,
                      std::string_view destination, const Envelope& envelope) {
    span.set("messaging.system", system);
    span.set("messaging.operation.type", operation);
    span.set("messaging.destination.name", destination);
    span.set("messaging.message.id", envelope.id);
    span.set("messaging.message.conversation_id", envelope.correlation_id);
}

Sampler::Sampler(const TelemetryConfig& config) : kind_(config.sampler) {
    if (is_ratio_sampler(kind_)) {
        const double ratio = config::sampling_ratio(config.sampler_arg).value_or(1.0);
        // Ids below ratio × 2^64 are sampled; the top of the range stands for 1.
        ratio_bound_ = ratio >= 1.0 ? std::numeric_limits<std::uint64_t>::max()
                                    : static_cast<std::uint64_t>(std::ldexp(ratio, 64));
    }
}

bool Sampler::sampled(std::string_view trace_id, std::optional<bool> parent_sampled) const {
    const bool parent_based = kind_ == TraceSampler::parentbased_always_on ||
                              kind_ == TraceSampler::parentbased_always_off ||
                              kind_ == TraceSampler::parentbased_traceidratio;
    if (parent_based && parent_sampled) {
        return *parent_sampled;
    }
    switch (kind_) {
        case TraceSampler::always_on:
        case TraceSampler::parentbased_always_on:
            return true;
        case TraceSampler::always_off:
        case TraceSampler::parentbased_always_off:
            return false;
        case TraceSampler::traceidratio:
        case TraceSampler::parentbased_traceidratio:
            break;
    }
    // The low 64 bits of the trace id, which W3C trace context makes random.
    std::uint64_t low = 0;
    for (const char digit : trace_id.substr(16, 16)) {
        low = low << 4 | static_cast<std::uint64_t>(digit <= '9' ? digit - '0' : digit - 'a' + 10);
    }
    return ratio_bound_ == std::numeric_limits<std::uint64_t>::max() || low < ratio_bound_;
}

Tracer::Tracer(const TelemetryConfig& config, MetricsRegistry& metrics)
    : sampler_(config),
      max_queued_(static_cast<std::size_t>(config.max_queued_spans)),
      interval_(config.export_interval) {
    if (!config.otlp_endpoint.empty()) {
        auto base = config.otlp_endpoint;
        while (base.ends_with('/')) {
            base.pop_back();
        }
        traces_url_ = base + "/v1/traces";
    }
    json::array attributes{
        json::object{{"key", "service.name"},
                     {"value", json::object{{"stringValue", config.service_name}}}},
        json::object{{"key", "service.version"},
                     {"value", json::object{{"stringValue", SHOPD_VERSION}}}},
        json::object{{"key", "telemetry.sdk.name"},
                     {"value", json::object{{"stringValue", "shopd"}}}},
        json::object{{"key", "telemetry.sdk.language"},
                     {"value", json::object{{"stringValue", "cpp"}}}},
    };
    for (const auto& item : config.resource_attributes) {
        auto [key, value] = split_pair(item);
        if (key != "service.name") {
            attributes.push_back(
                json::object{{"key", key}, {"value", json::object{{"stringValue", value}}}});
        }
    }
    resource_json_ = json::serialize(json::object{{"attributes", std::move(attributes)}});
    for (const auto& header : config.otlp_headers) {
        auto [name, value] = split_pair(header);
        headers_.push_back({std::move(name), std::move(value)});
    }
    auto& exported =
        metrics.counter("shopd_spans_exported_total", "Trace spans the collector accepted");
    exported_ = &exported.with({});
    auto& dropped = metrics.counter(
        "shopd_spans_dropped_total",
        "Trace spans not exported: the queue was full, or the collector refused or failed",
        {"reason"});
    dropped_full_ = &dropped.with({"queue_full"});
    dropped_failed_ = &dropped.with({"export_failed"});
}

Tracer::~Tracer() = default;

Tracer& Tracer::disabled() {
    static MetricsRegistry unused;
    static Tracer tracer(TelemetryConfig{}, unused);
    return tracer;
}

TraceSpan Tracer::start(std::string_view verb, std::string_view object, SpanKind kind,
                        std::string_view parent, SpanSink* sink, std::string_view trace_state) {
    const bool has_parent = is_valid_traceparent(parent);
    auto traceparent = has_parent ? child_traceparent(parent) : new_traceparent();
    const auto trace_id = std::string_view{traceparent}.substr(3, 32);
    const bool sampled = sampler_.sampled(
        trace_id, has_parent ? std::optional<bool>{(parent[54] - '0') % 2 == 1} : std::nullopt);
    traceparent[53] = '0';
    traceparent[54] = sampled ? '1' : '0';
    if (!sampled || !exporting()) {
        return TraceSpan(std::move(traceparent), nullptr, nullptr);
    }
    auto data = std::make_unique<SpanData>();
    data->trace_id = trace_id;
    data->span_id = traceparent.substr(36, 16);
    if (has_parent) {
        data->parent_span_id = parent.substr(36, 16);
    }
    data->trace_state = trace_state;
    data->name = object.empty() ? std::string{verb} : fmt::format("{} {}", verb, object);
    data->kind = kind;
    data->start_unix_nanos = unix_nanos_now();
    return TraceSpan(std::move(traceparent), std::move(data), sink != nullptr ? sink : this);
}

void Tracer::finished(SpanData span) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_) {
        dropped_full_->inc();
        return;
    }
    queue_.push_back(std::move(span));
    if (queue_.size() >= kBatchSpans && executor_ && !flush_posted_ && !sending_) {
        flush_posted_ = true;
        boost::asio::post(*executor_, [this] { flush(); });
    }
}

void Tracer::export_on(boost::asio::any_io_executor executor) {
    if (!exporting()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        executor_ = executor;
        timer_ = std::make_unique<boost::asio::steady_timer>(executor);
    }
    arm();
}

void Tracer::arm() {
    timer_->expires_after(interval_);
    timer_->async_wait([this](const boost::system::error_code& error) {
        if (error) {
            return;
        }
        flush();
        arm();
    });
}

void Tracer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || !timer_) {
            return;
        }
        stopped_ = true;
        timer_->cancel();
    }
    flush();
}

std::string Tracer::encode(const std::vector<SpanData>& spans) const {
    std::string out = R"({"resourceSpans":[{"resource":)" + resource_json_ +
                      R"(,"scopeSpans":[{"scope":{"name":"shopd","version":")" SHOPD_VERSION
                      R"("},"spans":[)";
    out.reserve(out.size() + spans.size() * 1024);
    for (std::size_t i = 0; i < spans.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        append_span(out, spans[i]);
    }
    out += "]}]}]}";
    return out;
}

void Tracer::flush() {
    std::vector<SpanData> batch;
    {
        std::lock_guard lock(mutex_);
        flush_posted_ = false;
        if (sending_ || queue_.empty() || !executor_) {
            return;
        }
        const auto count = std::min(queue_.size(), kBatchSpans);
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(count)));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
        sending_ = true;
    }
    http::OutgoingRequest request;
    request.url = traces_url_;
    request.headers = headers_;
    request.body = encode(batch);
    request.timeout = std::chrono::seconds(10);
    http::post(*executor_, std::move(request),
               [this, count = batch.size()](const http::OutgoingResult& result) {
                   const bool accepted = result.status >= 200 && result.status < 300;
                   bool more = false;
                   {
                       std::lock_guard lock(mutex_);
                       sending_ = false;
                       more = queue_.size() >= kBatchSpans || (stopped_ && !queue_.empty());
                       // Said once as the collector stops and starts taking spans.
                       if (accepted && failing_) {
                           spdlog::info("telemetry: the collector at {} takes spans again",
                                        traces_url_);
                       } else if (!accepted && !failing_) {
                           spdlog::warn("telemetry: exporting spans to {} failed: {}", traces_url_,
                                        result.error.empty() ? fmt::format("HTTP {}", result.status)
                                                             : result.error);
                       }
                       failing_ = !accepted;
                   }
                   (accepted ? exported_ : dropped_failed_)->inc(count);
                   if (more) {
                       flush();
                   }
               });
}

}  // namespace shopd::telemetry
