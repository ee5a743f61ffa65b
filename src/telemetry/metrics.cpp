#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

#include <shopd/metrics.hpp>

namespace shopd::telemetry {
namespace {

std::string escape_label_value(const std::string& value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\':
                escaped += "\\\\";
                break;
            case '"':
                escaped += "\\\"";
                break;
            case '\n':
                escaped += "\\n";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

std::string escape_help(const std::string& help) {
    std::string escaped;
    for (const char c : help) {
        escaped += c == '\\' ? "\\\\" : c == '\n' ? "\\n" : std::string(1, c);
    }
    return escaped;
}

// {a="x",b="y"}; extra is appended last (the histogram's le).
std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      const std::string& extra = {}) {
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        text += fmt::format("{}{}=\"{}\"", text.empty() ? "" : ",", names[i],
                            escape_label_value(values[i]));
    }
    if (!extra.empty()) {
        text += (text.empty() ? "" : ",") + extra;
    }
    return text.empty() ? text : "{" + text + "}";
}

std::string number(double value) {
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    return fmt::format("{}", value);
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    std::lock_guard lock(mutex_);
    ++counts_[bucket];
    sum_ += value;
}

Histogram::Snapshot Histogram::snapshot() const {
    std::lock_guard lock(mutex_);
    Snapshot snapshot{{}, sum_};
    std::uint64_t running = 0;
    for (const auto count : counts_) {
        running += count;
        snapshot.cumulative_counts.push_back(running);
    }
    return snapshot;
}

template <class Child>
Child& Family<Child>::with(const LabelValues& values) {
    std::lock_guard lock(mutex_);
    auto& child = children_[values];
    if (!child) {
        child = make_child();
    }
    return *child;
}

template <class Child>
std::vector<std::pair<LabelValues, const Child*>> Family<Child>::children() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<LabelValues, const Child*>> result;
    for (const auto& [labels, child] : children_) {
        result.emplace_back(labels, child.get());
    }
    return result;
}

template class Family<Counter>;
template class Family<Histogram>;

bool MetricsRegistry::has(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto named = [name](const auto& family) { return family->name() == name; };
    return std::any_of(counters_.begin(), counters_.end(), named) ||
           std::any_of(histograms_.begin(), histograms_.end(), named) ||
           std::any_of(sampled_.begin(), sampled_.end(),
                       [name](const Sampled& sampled) { return sampled.name == name; });
}

CounterFamily& MetricsRegistry::counter(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
    std::lock_guard lock(mutex_);
    return *counters_.emplace_back(
        std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names)));
}

HistogramFamily& MetricsRegistry::histogram(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    std::sort(bounds.begin(), bounds.end());
    return *histograms_.emplace_back(std::make_unique<HistogramFamily>(
        std::move(name), std::move(help), std::move(label_names), std::move(bounds)));
}

void MetricsRegistry::gauge(std::string name, std::string help,
                            std::vector<std::string> label_names,
                            std::function<std::vector<GaugeSample>()> read) {
    add_sampled(
        {std::move(name), std::move(help), "gauge", std::move(label_names), std::move(read)});
}

void MetricsRegistry::sampled_counter(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      std::function<std::vector<GaugeSample>()> read) {
    add_sampled(
        {std::move(name), std::move(help), "counter", std::move(label_names), std::move(read)});
}

void MetricsRegistry::add_sampled(Sampled sampled) {
    std::lock_guard lock(mutex_);
    sampled_.push_back(std::move(sampled));
}

std::string MetricsRegistry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& family : counters_) {
        header(out, family->name(), family->help(), "counter");
        for (const auto& [labels, counter] : family->children()) {
            out += fmt::format("{}{} {}\n", family->name(),
                               label_set(family->label_names(), labels), counter->value());
        }
    }
    for (const auto& family : histograms_) {
        header(out, family->name(), family->help(), "histogram");
        for (const auto& [labels, histogram] : family->children()) {
            const auto snapshot = histogram->snapshot();
            const auto& bounds = family->bounds();
            for (std::size_t i = 0; i <= bounds.size(); ++i) {
                const double bound =
                    i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
                out += fmt::format(
                    "{}_bucket{} {}\n", family->name(),
                    label_set(family->label_names(), labels, "le=\"" + number(bound) + "\""),
                    snapshot.cumulative_counts[i]);
            }
            const auto label_text = label_set(family->label_names(), labels);
            out += fmt::format("{}_sum{} {}\n", family->name(), label_text, number(snapshot.sum));
            out += fmt::format("{}_count{} {}\n", family->name(), label_text,
                               snapshot.cumulative_counts.back());
        }
    }
    for (const auto& sampled : sampled_) {
        header(out, sampled.name, sampled.help, sampled.type);
        for (const auto& sample : sampled.read()) {
            out += fmt::format("{}{} {}\n", sampled.name,
                               label_set(sampled.label_names, sample.labels), number(sample.value));
        }
    }
    return out;
}

void register_process_metrics(MetricsRegistry& registry) {
    // The first App of the process registers this; an embedder's later Apps share the value.
    static const double start_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    registry.gauge("process_start_time_seconds",
                   "Start time of the process since unix epoch in seconds.", {}, [] {
                       return std::vector<GaugeSample>{{{}, start_seconds}};
                   });
    registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}, [] {
        // /proc/self/statm: size resident shared text lib data dt, in pages.
        std::ifstream statm("/proc/self/statm");
        double size_pages = 0;
        double resident_pages = 0;
        statm >> size_pages >> resident_pages;
        const auto page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
        return std::vector<GaugeSample>{{{}, resident_pages * page_size}};
    });
    registry.sampled_counter(
        "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {}, [] {
            rusage usage{};
            getrusage(RUSAGE_SELF, &usage);
            // Added in whole microseconds, so the sum prints as few digits as it has.
            const auto micros = [](const timeval& time) {
                return static_cast<std::int64_t>(time.tv_sec) * 1'000'000 + time.tv_usec;
            };
            return std::vector<GaugeSample>{
                {{}, static_cast<double>(micros(usage.ru_utime) + micros(usage.ru_stime)) / 1e6}};
        });
}

}  // namespace shopd::telemetry
