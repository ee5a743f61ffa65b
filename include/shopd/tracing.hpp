#pragma once
// Trace spans in OpenTelemetry's model. The platform opens them for requests, units of work,
// message publications and handlings, outgoing calls and Kafka; a module opens its own around
// a call that leaves the process (UnitOfWork::span). A span that is not sampled, or opened
// while no exporter is configured, records nothing: it costs the id it hands on.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace shopd {

enum class SpanKind { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };

using SpanValue = std::variant<std::string, std::int64_t, double, bool>;

// A span as it is exported.
struct SpanData {
    std::string trace_id;        // 32 lower-case hex digits
    std::string span_id;         // 16
    std::string parent_span_id;  // empty: the trace's root
    std::string trace_state;     // W3C tracestate, as received
    std::string name;
    SpanKind kind = SpanKind::internal;
    std::int64_t start_unix_nanos = 0;
    std::int64_t end_unix_nanos = 0;
    // Keyed by names that live as long as the program (string literals): they are not copied.
    std::vector<std::pair<std::string_view, SpanValue>> attributes;
    std::vector<std::string> links;  // traceparents of spans it concerns besides its parent
    bool failed = false;
    std::string status_message;
};

// Where a span goes when it ends: the exporter, or a unit of work that holds its spans until
// it commits.
class SpanSink {
  public:
    virtual ~SpanSink() = default;
    virtual void finished(SpanData span) = 0;
};

// A span under way; it ends when end() is called or it is destroyed.
class TraceSpan {
  public:
    TraceSpan() = default;
    TraceSpan(std::string traceparent, std::unique_ptr<SpanData> data, SpanSink* sink)
        : traceparent_(std::move(traceparent)), data_(std::move(data)), sink_(sink) {}
    TraceSpan(TraceSpan&& other) noexcept = default;
    TraceSpan& operator=(TraceSpan&& other) noexcept {
        if (this != &other) {
            end();
            traceparent_ = std::move(other.traceparent_);
            data_ = std::move(other.data_);
            sink_ = other.sink_;
        }
        return *this;
    }
    ~TraceSpan() { end(); }

    // The W3C traceparent naming this span: the parent of what it causes.
    const std::string& traceparent() const { return traceparent_; }
    bool recording() const { return data_ != nullptr; }

    void rename(std::string name) {
        if (data_) {
            data_->name = std::move(name);
        }
    }
    // Text, a whole number, a real number or a boolean, kept only while recording: a span that
    // records nothing copies nothing. `key` is a string literal, kept as it is.
    template <class T>
    void set(std::string_view key, const T& value) {
        if (!data_) {
            return;
        }
        if constexpr (std::is_same_v<T, bool>) {
            add(key, SpanValue{value});
        } else if constexpr (std::is_integral_v<T>) {
            add(key, SpanValue{static_cast<std::int64_t>(value)});
        } else if constexpr (std::is_floating_point_v<T>) {
            add(key, SpanValue{static_cast<double>(value)});
        } else {
            add(key, SpanValue{std::in_place_type<std::string>, std::string_view{value}});
        }
    }
    void link(std::string_view traceparent) {
        if (data_) {
            data_->links.emplace_back(traceparent);
        }
    }
    // Marks the span's outcome as an error (OpenTelemetry status ERROR).
    void fail(std::string_view message) {
        if (data_) {
            data_->failed = true;
            data_->status_message = message;
        }
    }
    void end();

  private:
    void add(std::string_view key, SpanValue value);

    std::string traceparent_;
    std::unique_ptr<SpanData> data_;
    SpanSink* sink_ = nullptr;
};

}  // namespace shopd
