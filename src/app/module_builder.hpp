#pragma once
// What a module's registration function gets: the thin wiring between a module's own code and
// the platform. Everything registered here is visible in the module graph.

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include <shopd/config.hpp>
#include <shopd/message.hpp>
#include <shopd/module.hpp>

#include "bus/message_bus.hpp"
#include "bus/module_runtime.hpp"
#include "http/request_fields.hpp"
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

    // `handler` runs in a unit of work of this module, which may run twice (group commit, in
    // module_runtime.hpp): it changes nothing but the database and its UnitOfWork.
    template <Message M>
    void subscribe(std::function<void(bus::UnitOfWork&, const M&)> handler) {
        bus_.subscribe<M>(name(), std::move(handler));
    }

    // A route of this module; answered 503 until the App is ready.
    void route(http::Method method, std::string pattern, http::Body body, http::Handler handler);
    // A route that takes new work in: also answered 503 while more than server.max_backlog
    // units of work and deliveries wait, so a flood slows clients down instead of growing
    // the backlog.
    void intake(http::Method method, std::string pattern, http::Body body, http::Handler handler);

    // GET <path>/{id} and GET <path>?<filter>=&limit=&cursor= over the module's own records,
    // each a JSON object with an "id"; the cursor is the last id of a page.
    struct Collection {
        std::string path;    // e.g. /api/payments
        std::string noun;    // e.g. payment, for "no payment 'x'"
        std::string filter;  // e.g. order_id; empty: none
        std::function<std::optional<boost::json::object>(bus::UnitOfWork&, const std::string& id)>
            find;
        std::function<boost::json::array(bus::UnitOfWork&, const std::string& filter,
                                         const http::Page& page)>
            list;
    };
    void collection(Collection collection);

    // Work the module does by itself, on its strand, every `interval` while messages flow.
    void every(std::chrono::milliseconds interval, std::function<void()> tick) {
        runtime_.every(interval, std::move(tick));
    }

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

// A `done` for ModuleRuntime::execute that logs a failure as `what`.
std::function<void(std::exception_ptr)> log_failure(std::string what);

// Runs `work` in one unit of work of `runtime` (so `work` may run twice) and answers with the
// response it returns. An error response (status 400 and up) rolls the unit of work back; an
// exception is a 500. A POST
// with an Idempotency-Key is answered from the key's stored answer when it is a repeat.
void answer_from(bus::ModuleRuntime& runtime, const http::Request& request,
                 const http::Reply& reply, bus::MessageContext context,
                 std::function<http::Response(bus::UnitOfWork&)> work);

}  // namespace shopd
