#pragma once
// The module API: what a bounded context gets from the platform, as values and verbs. A module
// is a name, its settings and a registration function; the registration declares its schema,
// the messages it publishes and handles, its routes and their roles, its collections, its
// periodic work, its metrics and its part in readiness. Its own code then runs through
// ModuleWork: units of work on its database, answers to requests, requests sent out.
//
//   ModuleDefinition module() {
//       return {"shipping", [](ModuleBuilder& builder) {
//                   builder.migrations(migrations());
//                   builder.publishes<ShipmentCreated>();
//                   builder.subscribe<CreateShipment>([](UnitOfWork& work, const CreateShipment& c)
//                   {...}); builder.route({http::Method::get, "/api/shipments/{id}", ...,
//                   {Role::operator_}});
//               }, shipping_settings()};
//   }

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/envelope.hpp>
#include <shopd/http.hpp>
#include <shopd/message.hpp>
#include <shopd/metrics.hpp>
#include <shopd/migration.hpp>
#include <shopd/request_fields.hpp>
#include <shopd/roles.hpp>
#include <shopd/settings.hpp>
#include <shopd/unit_of_work.hpp>

namespace shopd {

// What a collection's list is asked for.
struct CollectionQuery {
    std::string filter;       // the filter's value; empty: any
    std::string customer_id;  // only this customer's records; empty: everyone's
    http::Page page;
};

// GET <path>/{id} and GET <path>?<filter>=&limit=&cursor= over a module's own records, each a
// JSON object with an "id" and the "customer_id" it belongs to; the cursor is the last id of a
// page. A customer sees only its own records: another's is answered 404, as if absent.
struct Collection {
    std::string path;    // e.g. /api/payments
    std::string noun;    // e.g. payment, for "no payment 'x'"
    std::string filter;  // e.g. order_id; empty: none
    Roles roles;
    std::function<std::optional<boost::json::object>(UnitOfWork&, const std::string& id)> find;
    std::function<boost::json::array(UnitOfWork&, const CollectionQuery& query)> list;
};

// A handler of M as the bus calls it: with the envelope, decoded (and upcast) to M.
template <Message M>
std::function<void(UnitOfWork&, const Envelope&)> handling(
    std::function<void(UnitOfWork&, const M&)> handler) {
    return [handler = std::move(handler)](UnitOfWork& unit_of_work, const Envelope& envelope) {
        handler(unit_of_work, decode_payload<M>(envelope));
    };
}

// A module's part in /readyz: nullopt while it is well, otherwise why it is degraded.
using Readiness = std::function<std::optional<std::string>()>;

// A timed stretch of a module's work, counted in shopd_span_seconds{module, span} when it ends
// (or is destroyed).
class Span {
  public:
    explicit Span(telemetry::Histogram* histogram) : histogram_(histogram) {}
    Span(Span&& other) noexcept
        : histogram_(std::exchange(other.histogram_, nullptr)), started_(other.started_) {}
    Span& operator=(Span&&) = delete;
    ~Span() { end(); }
    void end() {
        if (histogram_ != nullptr) {
            histogram_->observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
            histogram_ = nullptr;
        }
    }

  private:
    telemetry::Histogram* histogram_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// What a module's code calls while it runs: valid for the App's lifetime, from any thread. The
// module's work runs one unit at a time, on its own serial executor.
class ModuleWork {
  public:
    virtual ~ModuleWork() = default;

    virtual const std::string& name() const = 0;
    // Business time, the same the platform reads.
    virtual const ShopClock& clock() const = 0;

    // Runs `work` as one unit of work: everything it changes and publishes commits together.
    // It may run twice (group commit): it changes nothing but the database and its
    // UnitOfWork. `done` runs with null after the commit, or with the exception after the
    // rollback.
    virtual void execute(MessageContext context, std::function<void(UnitOfWork&)> work,
                         std::function<void(std::exception_ptr)> done) = 0;
    // Runs `work`, which only reads, between transactions.
    virtual void read(MessageContext context, std::function<void(UnitOfWork&)> work,
                      std::function<void(std::exception_ptr)> done) = 0;
    // Answers `request` with what `work` returns, in one unit of work (a read for GET). An
    // error response (400 and up) rolls it back; an exception is a 500; a full disk a 503. A
    // POST with an Idempotency-Key is answered from the key's stored answer when it repeats.
    virtual void answer(const http::Request& request, const http::Reply& reply,
                        MessageContext context,
                        std::function<http::Response(UnitOfWork&)> work) = 0;
    // Runs `action` on the module's executor, between units of work.
    virtual void post(std::function<void()> action) = 0;
    // POSTs `request` on a new connection; `done` runs on the module's executor.
    virtual void send(http::OutgoingRequest request,
                      std::function<void(http::OutgoingResult)> done) = 0;
    // Times `name` until the span ends.
    virtual Span span(std::string_view name) = 0;
};

// What a module's registration gets. Everything registered shows in the module graph.
class ModuleBuilder {
  public:
    virtual ~ModuleBuilder() = default;

    virtual const std::string& name() const = 0;
    // The module's settings, as its definition declared them (type S).
    template <class S>
    const S& settings() const {
        return *static_cast<const S*>(settings_of(typeid(S)));
    }

    // The module's own schema, applied after the platform's messaging tables.
    virtual void migrations(store::MigrationSet set) = 0;

    template <Message M>
    void publishes() {
        declare_publication(message_type<M>());
    }

    // `handler` runs in a unit of work of this module, which may run twice (see
    // ModuleWork::execute). A message about an aggregate the module never heard of may throw
    // UnknownAggregate: it is parked at once.
    template <Message M>
    void subscribe(std::function<void(UnitOfWork&, const M&)> handler, From from = From::now) {
        add_subscription(message_type<M>(), handling<M>(std::move(handler)), from);
    }

    // A route of this module; answered 503 until the App is ready.
    virtual void route(http::Route route) = 0;
    // A route that takes new work in: also answered 503 while more than server.max_backlog
    // units of work and deliveries wait, so a flood slows clients down instead of growing the
    // backlog.
    virtual void intake(http::Route route) = 0;
    virtual void collection(Collection collection) = 0;

    // Work the module does by itself every `interval` while messages flow, and at once when
    // business time moves.
    virtual void every(std::chrono::milliseconds interval, std::function<void()> tick) = 0;
    // The same for work on the database: `work` runs in a unit of work of its own each time; a
    // failure is logged as "<module>: <what> failed".
    virtual void every(std::chrono::milliseconds interval, std::string what,
                       std::function<void(UnitOfWork&)> work) = 0;

    // The module's metrics; each name starts with shopd_ and is the module's alone (most start
    // with shopd_<module>_; a shop's business figures, such as shopd_orders_placed_total,
    // are named for what they count).
    virtual telemetry::CounterFamily& counter(std::string name, std::string help,
                                              std::vector<std::string> labels = {}) = 0;
    virtual telemetry::HistogramFamily& histogram(std::string name, std::string help,
                                                  std::vector<std::string> labels,
                                                  std::vector<double> bounds) = 0;
    virtual void gauge(std::string name, std::string help, std::vector<std::string> labels,
                       std::function<std::vector<telemetry::GaugeSample>()> read) = 0;

    virtual void readiness(Readiness check) = 0;

    // What the module keeps outside its database (caches, counts, calls under way) is dropped
    // here when the shop starts over without a restart (a test-mode reset or restored
    // snapshot). Runs on the module's executor once its database was replaced; answers of
    // outgoing calls sent before never reach the module.
    virtual void on_reset(std::function<void()> forget) = 0;

    // For the module's code once it runs.
    virtual ModuleWork& work() = 0;

  protected:
    virtual const void* settings_of(const std::type_info& type) const = 0;
    virtual void declare_publication(MessageType type) = 0;
    virtual void add_subscription(MessageType type,
                                  std::function<void(UnitOfWork&, const Envelope&)> handler,
                                  From from) = 0;
};

// A `done` for ModuleWork::execute that logs a failure as `what`.
std::function<void(std::exception_ptr)> log_failure(std::string what);

struct ModuleDefinition {
    std::string name;
    std::function<void(ModuleBuilder&)> register_module;
    SettingsSection settings = {};  // named after the module; empty: none
};

// The settings sections of `modules`, for the config loader and --help.
std::vector<SettingsSection> settings_of(const std::vector<ModuleDefinition>& modules);

}  // namespace shopd
