#pragma once
// What a module's registration function gets: the thin wiring between a module's own code and
// the platform. Everything registered here is visible in the module graph.

#include <atomic>
#include <vector>

#include <shopd/config.hpp>
#include <shopd/message.hpp>
#include <shopd/module.hpp>

#include "bus/message_bus.hpp"
#include "bus/module_runtime.hpp"
#include "http/router.hpp"
#include "store/migration.hpp"

namespace shopd {

class ModuleBuilder {
  public:
    ModuleBuilder(bus::ModuleRuntime& runtime, const Config& config, bus::MessageBus& bus,
                  http::Router& router, const std::atomic<bool>& ready)
        : runtime_(runtime), config_(config), bus_(bus), router_(router), ready_(ready) {}

    const std::string& name() const { return runtime_.name(); }
    const Config& config() const { return config_; }
    // The module's executor and database: valid for the App's lifetime, usable once started.
    bus::ModuleRuntime& runtime() { return runtime_; }

    // The module's own schema, applied after the platform's messaging tables.
    void migrations(store::MigrationSet set) { migrations_.push_back(std::move(set)); }
    const std::vector<store::MigrationSet>& migration_sets() const { return migrations_; }

    template <Message M>
    void publishes() {
        bus_.declare_publication<M>(name());
    }

    template <Message M>
    void subscribe(std::function<void(bus::UnitOfWork&, const M&)> handler) {
        bus_.subscribe<M>(name(), std::move(handler));
    }

    // A route of this module; answered 503 until the App is ready.
    void route(http::Method method, std::string pattern, http::Body body, http::Handler handler);

  private:
    bus::ModuleRuntime& runtime_;
    const Config& config_;
    bus::MessageBus& bus_;
    http::Router& router_;
    const std::atomic<bool>& ready_;
    std::vector<store::MigrationSet> migrations_;
};

// Wraps a handler so it answers 503 with Retry-After while `ready` is false.
http::Handler when_ready(const std::atomic<bool>& ready, http::Handler handler);

}  // namespace shopd
