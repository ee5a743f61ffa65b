#pragma once
// Starts spans, samples them as OpenTelemetry's standard samplers do, and exports the finished
// ones over OTLP/HTTP in its JSON encoding: in batches, from the I/O threads, never from the
// work that ended them. The queue is bounded; what does not fit is dropped and counted.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/config.hpp>
#include <shopd/envelope.hpp>
#include <shopd/http.hpp>
#include <shopd/metrics.hpp>
#include <shopd/tracing.hpp>

namespace shopd::telemetry {

// Whether a new trace is recorded, decided once from its id and passed on in its flags.
class Sampler {
  public:
    explicit Sampler(const TelemetryConfig& config);
    // `parent_sampled` is the parent's flag, or nullopt for a root span.
    bool sampled(std::string_view trace_id, std::optional<bool> parent_sampled) const;

  private:
    TraceSampler kind_;
    std::uint64_t ratio_bound_ = 0;  // traceidratio: ids whose low 64 bits are below it
};

// Names a message span's message in OpenTelemetry's messaging attributes: the system
// ("shopd" in-process, "kafka"), the operation (send, receive, process) and the destination
// (the message type, or the topic).
void describe_message(TraceSpan& span, std::string_view system, std::string_view operation,
                      std::string_view destination, const Envelope& envelope);

class Tracer final : public SpanSink {
  public:
    // Exports nothing until export_on() is called, and nothing at all without an endpoint.
    Tracer(const TelemetryConfig& config, MetricsRegistry& metrics);
    ~Tracer() override;

    // A tracer that never records, for code run without an App (tests of the bus).
    static Tracer& disabled();

    // A span named "<verb> <object>" (or `verb` alone) whose parent is `parent` (a
    // traceparent; empty or invalid: it starts a trace). It goes to `sink` when it ends, by
    // default to the export. `trace_state` goes with a parent from outside (an HTTP request).
    TraceSpan start(std::string_view verb, std::string_view object, SpanKind kind,
                    std::string_view parent, SpanSink* sink = nullptr,
                    std::string_view trace_state = {});
    bool exporting() const { return !traces_url_.empty(); }

    void finished(SpanData span) override;

    // Starts exporting on `executor`; stop() sends what is queued once more and stops.
    void export_on(boost::asio::any_io_executor executor);
    void stop();

    // The OTLP/JSON body of an export request holding `spans`.
    std::string encode(const std::vector<SpanData>& spans) const;

  private:
    void arm();
    void flush();

    Sampler sampler_;
    std::string traces_url_;
    std::string resource_json_;  // the "resource" object, encoded once
    std::vector<http::Header> headers_;
    std::size_t max_queued_;
    std::chrono::milliseconds interval_;
    Counter* exported_ = nullptr;
    Counter* dropped_full_ = nullptr;
    Counter* dropped_failed_ = nullptr;

    std::mutex mutex_;
    std::vector<SpanData> queue_;
    bool sending_ = false;
    bool failing_ = false;  // the last export failed
    bool flush_posted_ = false;
    bool stopped_ = false;
    std::optional<boost::asio::any_io_executor> executor_;
    std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace shopd::telemetry
