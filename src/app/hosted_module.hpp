#pragma once
// The platform's side of the module API: one per module the App knows, hosted here or
// elsewhere, alive as long as the App.

#include <atomic>
#include <memory>
#include <vector>

#include <shopd/config.hpp>
#include <shopd/module.hpp>

#include "app/journal.hpp"
#include "bus/message_bus.hpp"
#include "bus/module_runtime.hpp"
#include "http/router.hpp"

namespace shopd {

// What the App lends every module it registers.
struct ModuleHosting {
    const Config& config;
    bus::MessageBus& bus;
    http::Router& router;
    const std::atomic<bool>& ready;
    telemetry::MetricsRegistry& metrics;
    telemetry::HistogramFamily& spans;
    std::atomic<int>& outgoing_calls;  // under way, over every module
    Journal* journal;                  // in test mode, of every outgoing call
    // Counts the shop's resets: an outgoing call's answer after one is dropped.
    const std::atomic<std::uint64_t>& resets;
};

class HostedModule final : public ModuleBuilder, public ModuleWork {
  public:
    // Throws ConfigError when the module's settings are wrong.
    HostedModule(bus::ModuleRuntime& runtime, const ModuleDefinition& definition,
                 ModuleHosting hosting);

    const std::string& name() const override { return runtime_.name(); }
    const ShopClock& clock() const override { return runtime_.clock(); }

    void migrations(store::MigrationSet set) override { migrations_.push_back(std::move(set)); }
    void route(http::Route route) override;
    void intake(http::Route route) override;
    void collection(Collection collection) override;
    void every(std::chrono::milliseconds interval, std::function<void()> tick) override {
        runtime_.every(interval, std::move(tick));
    }
    void every(std::chrono::milliseconds interval, std::string what,
               std::function<void(UnitOfWork&)> work) override;
    telemetry::CounterFamily& counter(std::string name, std::string help,
                                      std::vector<std::string> labels) override;
    telemetry::HistogramFamily& histogram(std::string name, std::string help,
                                          std::vector<std::string> labels,
                                          std::vector<double> bounds) override;
    void gauge(std::string name, std::string help, std::vector<std::string> labels,
               std::function<std::vector<telemetry::GaugeSample>()> read) override;
    void readiness(Readiness check) override { readiness_.push_back(std::move(check)); }
    void on_reset(std::function<void()> forget) override { on_reset_.push_back(std::move(forget)); }
    ModuleWork& work() override { return *this; }

    void execute(MessageContext context, std::function<void(UnitOfWork&)> work,
                 std::function<void(std::exception_ptr)> done) override;
    void read(MessageContext context, std::function<void(UnitOfWork&)> work,
              std::function<void(std::exception_ptr)> done) override;
    void answer(const http::Request& request, const http::Reply& reply, MessageContext context,
                std::function<http::Response(UnitOfWork&)> work) override;
    void post(std::function<void()> action) override;
    void send(http::OutgoingRequest request,
              std::function<void(http::OutgoingResult)> done) override;
    Span span(std::string_view name) override;

    const std::vector<store::MigrationSet>& migration_sets() const { return migrations_; }
    // Why the module is degraded, by its own checks; empty while it is well.
    std::vector<std::string> degraded() const;
    // On the module's strand, once its database was replaced: runs its on_reset work.
    void forget() const;

  private:
    const void* settings_of(const std::type_info& type) const override;
    void declare_publication(MessageType type) override;
    void add_subscription(MessageType type,
                          std::function<void(UnitOfWork&, const Envelope&)> handler,
                          From from) override;
    void check_metric_name(const std::string& name) const;

    bus::ModuleRuntime& runtime_;
    ModuleHosting hosting_;
    std::shared_ptr<void> settings_;
    const std::type_info& settings_type_;
    std::vector<store::MigrationSet> migrations_;
    std::vector<Readiness> readiness_;
    std::vector<std::function<void()>> on_reset_;
};

// Wraps a handler so it answers 503 with Retry-After while `ready` is false.
http::Handler when_ready(const std::atomic<bool>& ready, http::Handler handler);

}  // namespace shopd
