#pragma once
// A small Prometheus registry: counter and histogram families with labels, gauges read at
// scrape time, and the text exposition format (version 0.0.4).

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace shopd::telemetry {

using LabelValues = std::vector<std::string>;

class Counter {
  public:
    void inc(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class Histogram {
  public:
    explicit Histogram(const std::vector<double>& bounds);
    void observe(double value);

    struct Snapshot {
        std::vector<std::uint64_t> cumulative_counts;  // one per bound, then +Inf
        double sum = 0;
    };
    Snapshot snapshot() const;

  private:
    const std::vector<double>& bounds_;
    mutable std::mutex mutex_;
    std::vector<std::uint64_t> counts_;
    double sum_ = 0;
};

template <class Child>
class Family {
  public:
    Family(std::string name, std::string help, std::vector<std::string> label_names)
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

    // The child for these label values (in label-name order); its address stays valid, so
    // callers on hot paths may keep it.
    Child& with(const LabelValues& values);

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& label_names() const { return label_names_; }
    std::vector<std::pair<LabelValues, const Child*>> children() const;

  protected:
    virtual std::unique_ptr<Child> make_child() const = 0;

  public:
    virtual ~Family() = default;

  private:
    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
    mutable std::mutex mutex_;
    std::map<LabelValues, std::unique_ptr<Child>> children_;
};

class CounterFamily final : public Family<Counter> {
  public:
    using Family::Family;

  protected:
    std::unique_ptr<Counter> make_child() const override { return std::make_unique<Counter>(); }
};

class HistogramFamily final : public Family<Histogram> {
  public:
    HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                    std::vector<double> bounds)
        : Family(std::move(name), std::move(help), std::move(label_names)),
          bounds_(std::move(bounds)) {}
    const std::vector<double>& bounds() const { return bounds_; }

  protected:
    std::unique_ptr<Histogram> make_child() const override {
        return std::make_unique<Histogram>(bounds_);
    }

  private:
    std::vector<double> bounds_;
};

struct GaugeSample {
    LabelValues labels;
    double value;
};

class MetricsRegistry {
  public:
    CounterFamily& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
    HistogramFamily& histogram(std::string name, std::string help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
    // A gauge whose samples are read when the metrics are rendered.
    void gauge(std::string name, std::string help, std::vector<std::string> label_names,
               std::function<std::vector<GaugeSample>()> read);
    // A counter kept outside shopd (the kernel's count of CPU time, say), read when the metrics
    // are rendered.
    void sampled_counter(std::string name, std::string help, std::vector<std::string> label_names,
                         std::function<std::vector<GaugeSample>()> read);

    std::string render() const;
    // Whether a metric of this name is registered.
    bool has(std::string_view name) const;

  private:
    struct Sampled {
        std::string name;
        std::string help;
        const char* type;  // "gauge" or "counter"
        std::vector<std::string> label_names;
        std::function<std::vector<GaugeSample>()> read;
    };
    void add_sampled(Sampled sampled);
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<CounterFamily>> counters_;
    std::vector<std::unique_ptr<HistogramFamily>> histograms_;
    std::vector<Sampled> sampled_;
};

// process_resident_memory_bytes, process_cpu_seconds_total and process_start_time_seconds, as
// client libraries name them.
void register_process_metrics(MetricsRegistry& registry);

}  // namespace shopd::telemetry
