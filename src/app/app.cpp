#include <SQLiteCpp/Exception.h>
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <future>
#include <iostream>
#include <iterator>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <thread>

#include <shopd/app.hpp>
#include <shopd/metrics.hpp>
#include <shopd/request_fields.hpp>
#include <shopd/whole_number.hpp>

#include "app/hosted_module.hpp"
#include "app/idempotency.hpp"
#include "app/journal.hpp"
#include "app/message_feed.hpp"
#include "app/module_graph.hpp"
#include "app/test_kit.hpp"
#include "auth/audit_log.hpp"
#include "auth/gateway.hpp"
#include "bus/messaging.hpp"
#include "bus/retention.hpp"
#include "config/config_loader.hpp"
#include "http/server.hpp"
#include "http/web_files.hpp"
#include "relay/kafka_intake.hpp"
#include "relay/kafka_relay.hpp"
#include "store/checkpointer.hpp"
#include "store/database.hpp"
#include "store/directory_lock.hpp"
#include "store/platform_migrations.hpp"
#include "telemetry/access_log.hpp"
#include "telemetry/build_info.hpp"
#include "telemetry/request_telemetry.hpp"
#include "telemetry/tracer.hpp"
#include "util/failure.hpp"

namespace shopd {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bus::DeliveryPolicy delivery_policy(const Config& config) {
    const auto& delivery = config.delivery;
    return {delivery.retry_base,    delivery.retry_cap,       delivery.max_attempts,
            delivery.max_in_flight, config.storage.max_batch, config.storage.batch_wait};
}

http::ServerLimits server_limits(const ServerConfig& config) {
    return {config.body_limit_bytes,   config.header_limit_bytes, config.header_timeout,
            config.body_timeout,       config.max_connections,    config.max_connections_per_client,
            config.stream_buffer_bytes};
}

// No socket, or one that only this machine reaches.
bool listens_on_loopback(const std::string& listen) {
    if (listen.empty()) {
        return true;
    }
    const auto address = config::parse_listen_address(listen);
    if (!address || address->host == "localhost") {
        return address.has_value();
    }
    boost::system::error_code error;
    const auto ip = asio::ip::make_address(address->host, error);
    return !error && ip.is_loopback();
}

// Replays the dead letters `ids` one after another, at most `per_second` of them a second, so
// that a batch of thousands does not fall on their subscriber at once.
void replay_paced(asio::io_context& io, bus::Messaging& messaging, std::vector<std::string> ids,
                  int per_second) {
    struct Pacer {
        asio::steady_timer timer;
        bus::Messaging& messaging;
        std::vector<std::string> ids;
        std::size_t next = 0;
        std::chrono::microseconds gap;
    };
    auto pacer = std::make_shared<Pacer>(Pacer{asio::steady_timer(io), messaging, std::move(ids), 0,
                                               std::chrono::microseconds(1'000'000 / per_second)});
    auto step = std::make_shared<std::function<void()>>();
    *step = [pacer, weak_step = std::weak_ptr(step)] {
        if (pacer->next == pacer->ids.size()) {
            return;
        }
        pacer->messaging.replay_dead_letter(pacer->ids[pacer->next++], [](auto) {});
        pacer->timer.expires_after(pacer->gap);
        // Called from a handler that holds the step, so the lock succeeds; the step itself
        // holds only the weak pointer, and ends with the last handler.
        pacer->timer.async_wait([self = weak_step.lock()](const boost::system::error_code& error) {
            if (!error) {
                (*self)();
            }
        });
    };
    pacer->timer.expires_after(std::chrono::microseconds(0));
    pacer->timer.async_wait([step](const boost::system::error_code& error) {
        if (!error) {
            (*step)();
        }
    });
}

// How often the keys' last uses are written back.
constexpr auto kKeyUseFlush = std::chrono::seconds(60);

json::object dead_letter_json(const bus::DeadLetter& letter, const bus::MessageBus& bus) {
    const auto shown = bus.shown_payload(letter.type, letter.payload);
    boost::system::error_code error;
    auto payload = json::parse(shown, error);
    return json::object{
        {"id", letter.id},
        {"publisher", letter.publisher},
        {"subscriber", letter.subscriber},
        {"message_id", letter.message_id},
        {"type", letter.type},
        {"version", letter.version},
        {"aggregate_type", letter.aggregate_type},
        {"aggregate_id", letter.aggregate_id},
        {"correlation_id", letter.correlation_id},
        {"attempts", letter.attempts},
        {"error", letter.error},
        {"parked_at", letter.parked_at},
        {"payload", error ? json::value(shown) : payload},
    };
}

}  // namespace

// How long a stopping shopd waits for Kafka to acknowledge what it relayed last; the rest is
// relayed again after the next start.
constexpr std::chrono::milliseconds kRelayFlushTimeout{2000};

struct App::Impl {
    Impl(Config app_config, std::vector<ModuleDefinition> definitions, std::string_view api)
        : config(std::move(app_config)),
          openapi(api),
          tracer(config.telemetry, metrics),
          messaging(bus, delivery_policy(config), metrics, clock, tracer),
          spans(metrics.histogram(
              "shopd_span_seconds", "Time the modules' named stretches of work took.",
              {"module", "span"}, {0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})),
          gateway(config, listens_on_loopback(config.server.listen), metrics),
          router(config.server.json_max_depth),
          access_log(config.log.access ? std::make_unique<telemetry::AccessLog>(config.log.format)
                                       : nullptr),
          request_telemetry(tracer, access_log.get()),
          server(io, router, server_limits(config.server), metrics, request_telemetry) {
        telemetry::register_process_metrics(metrics);
        metrics.gauge(
            "shopd_database_bytes",
            "Size of a hosted module's database file and its write-ahead log (file=db, wal); "
            "absent with storage.memory",
            {"module", "file"}, [this] {
                std::vector<telemetry::GaugeSample> samples;
                if (config.storage.memory) {
                    return samples;
                }
                const std::filesystem::path data_dir = config.storage.data_dir;
                for (const auto* runtime : messaging.modules()) {
                    const auto database = (data_dir / (runtime->name() + ".db")).string();
                    for (const auto& [file, path] :
                         {std::pair<std::string, std::string>{"db", database},
                          {"wal", database + "-wal"}}) {
                        std::error_code missing;
                        const auto bytes = std::filesystem::file_size(path, missing);
                        samples.push_back(
                            {{runtime->name(), file}, missing ? 0.0 : static_cast<double>(bytes)});
                    }
                }
                return samples;
            });
        metrics.gauge("shopd_build_info",
                      "1, labelled with shopd's version and commit and its libraries' versions",
                      {"version", "commit", "sqlite", "boost", "librdkafka", "openssl"}, [] {
                          const auto& build = telemetry::build_info();
                          return std::vector<telemetry::GaugeSample>{
                              {{build.version, build.commit, build.sqlite, build.boost,
                                build.librdkafka, build.openssl},
                               1}};
                      });
        router.set_gate([this](http::Request& request, const http::Route& route,
                               std::vector<http::Header>& headers) {
            return gateway.admit(request, route, headers);
        });
        router.set_observer([this](const http::Request& request, const http::Route& route) {
            return audited(request, route);
        });
        router.set_cors(http::Cors(config.server.cors_origins));
        gateway.add_routes(router);
        messaging.journal_to(
            [this](std::string_view publisher, Envelope envelope) {
                envelope.payload = bus.shown_payload(envelope.type, envelope.payload);
                if (config.server.test_mode) {
                    journal.message(publisher, envelope);
                }
                if (message_feed.wanted()) {
                    message_feed.add(publisher, envelope);
                }
            },
            [this] { return config.server.test_mode || message_feed.wanted(); });
        host_modules(std::move(definitions));
        snapshots.all_modules_here(hosted_elsewhere.empty());
        connect_kafka();
        add_platform_routes();
        if (config.server.test_mode) {
            test_kit.add_routes(router);
        }
        if (!openapi.empty()) {
            add_document_routes();
        }
        http::add_web_routes(router);
        route(anyone, http::Method::get, "/api/kiosk/settings",
              [this](const http::Request&, http::Reply reply) {
                  auto response = http::json_response(
                      200, json::object{{"idle_timeout_ms", config.kiosk.idle_timeout.count()}});
                  response.headers.push_back({"Cache-Control", "no-cache"});
                  reply(std::move(response));
              });
        if (!config.server.docs_dir.empty()) {
            spdlog::warn("server.docs_dir is no longer used: the API viewer is built into shopd");
        }
    }

    // Members in construction order: io outlives everything that queues work on it.
    Config config;
    std::string openapi;
    ShopClock clock;
    asio::io_context io;
    telemetry::MetricsRegistry metrics;
    telemetry::Tracer tracer;  // its export timer runs on io
    bus::MessageBus bus;
    bus::Messaging messaging;
    telemetry::HistogramFamily& spans;
    store::Checkpointer checkpointer;            // of the module databases: ends before they close
    std::unique_ptr<relay::KafkaRelay> relay;    // with kafka.brokers
    std::unique_ptr<relay::KafkaIntake> intake;  // with kafka.brokers, in split mode
    Journal journal;                             // in test mode
    MessageFeed message_feed;                    // GET /api/admin/stream
    std::atomic<int> outgoing_calls{0};
    std::atomic<std::uint64_t> resets{0};
    Snapshots snapshots{{messaging, clock, io.get_executor(),
                         [this] {
                             ++resets;
                             journal.clear();
                         },
                         [this](const std::string& module) { hosted.at(module)->forget(); }}};
    TestKit test_kit{{clock, messaging, outgoing_calls, journal, snapshots, io.get_executor()}};
    auth::Gateway gateway;
    std::unique_ptr<auth::KeyStore> keys;             // opened with the databases
    std::unique_ptr<auth::AuditLog> audit;            // opened with the databases
    std::atomic<auth::AuditLog*> audit_log{nullptr};  // the audit, once open
    std::optional<asio::steady_timer> key_use_flush;
    http::Router router;
    http::Router routes_elsewhere{0};  // of the modules hosted elsewhere: never served
    std::unique_ptr<telemetry::AccessLog> access_log;  // with log.access
    telemetry::RequestTelemetry request_telemetry;
    http::Server server;
    std::map<std::string, std::unique_ptr<HostedModule>> hosted;
    std::vector<std::unique_ptr<bus::ModuleRuntime>> runtimes_elsewhere;
    std::vector<std::unique_ptr<HostedModule>> hosted_elsewhere;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    std::atomic<bool> ready{false};
    std::optional<store::DirectoryLock> data_dir_lock;  // while the databases are open
    bool started = false;
    bool stopped = false;
    std::mutex lifecycle_mutex;

    ModuleHosting hosting(http::Router& routes) {
        return {config,  bus,   routes,         ready,
                metrics, spans, outgoing_calls, config.server.test_mode ? &journal : nullptr,
                resets};
    }

    void host_modules(std::vector<ModuleDefinition> definitions) {
        config::check_module_settings_known(config, settings_of(definitions));
        const auto& enabled = config.modules.enabled;
        for (const auto& name : enabled) {
            const bool known = std::any_of(
                definitions.begin(), definitions.end(),
                [&](const ModuleDefinition& definition) { return definition.name == name; });
            if (!known) {
                std::string names;
                for (const auto& definition : definitions) {
                    names += (names.empty() ? "" : ", ") + definition.name;
                }
                throw ConfigError(fmt::format("modules.enabled: unknown module '{}' (known: {})",
                                              name, names.empty() ? "none" : names));
            }
        }
        for (auto& definition : definitions) {
            if (!enabled.empty() &&
                std::find(enabled.begin(), enabled.end(), definition.name) == enabled.end()) {
                register_elsewhere(definition);
                continue;
            }
            auto& runtime = messaging.host(definition.name, io.get_executor());
            auto& module = *hosted
                                .emplace(definition.name, std::make_unique<HostedModule>(
                                                              runtime, definition, hosting(router)))
                                .first->second;
            sweep_expired(module);
            definition.register_module(module);
        }
        try {
            bus.validate();
        } catch (const std::logic_error& error) {
            throw StartupError(fmt::format("module registrations: {}", error.what()));
        }
    }

    // A module hosted by another process still declares what it publishes and handles, so
    // the bus knows the whole graph: which topics to consume, and that every command has its
    // one handler somewhere. Its routes, schema and periodic work are dropped; its runtime is
    // never opened.
    void register_elsewhere(ModuleDefinition& definition) {
        auto& runtime = *runtimes_elsewhere.emplace_back(
            std::make_unique<bus::ModuleRuntime>(definition.name, messaging, io.get_executor()));
        auto& module = *hosted_elsewhere.emplace_back(
            std::make_unique<HostedModule>(runtime, definition, hosting(routes_elsewhere)));
        definition.register_module(module);
    }

    // Runs `work` in a unit of work of `runtime` four times per `period` (at least every
    // minute): forgetting what has outlived `period`.
    static void sweep_every_quarter_of(std::chrono::milliseconds period, HostedModule& module,
                                       std::string what, std::function<void(UnitOfWork&)> work) {
        const auto every = std::clamp(period / 4, std::chrono::milliseconds(10),
                                      std::chrono::milliseconds(60'000));
        module.every(every, std::move(what), std::move(work));
    }

    // Answers to idempotent requests once their time is up; delivered and handled messages
    // once storage.message_retention has passed.
    void sweep_expired(HostedModule& module) {
        const auto ttl = config.server.idempotency_ttl;
        sweep_every_quarter_of(
            ttl, module, "forgetting idempotency keys",
            [ttl](UnitOfWork& unit_of_work) { idempotency::forget_older_than(unit_of_work, ttl); });
        const auto keep = config.storage.message_retention;
        const auto relayed = config.kafka.brokers.empty() ? bus::Relay::off : bus::Relay::on;
        sweep_every_quarter_of(keep, module, "forgetting settled messages",
                               [keep, relayed](UnitOfWork& unit_of_work) {
                                   bus::forget_settled_messages(unit_of_work, keep, relayed);
                               });
    }

    // The relay of every outbox, and in split mode the consumers of the other modules'
    // topics. Without brokers, a module hosted elsewhere is out of reach: said once, here.
    void connect_kafka() {
        if (config.kafka.brokers.empty()) {
            for (const auto* runtime : messaging.modules()) {
                for (const auto& [publisher, type] :
                     messaging.handled_from_elsewhere(runtime->name())) {
                    spdlog::warn(
                        "'{}' handles {} of '{}', which is not hosted here; without "
                        "kafka.brokers it will not arrive",
                        runtime->name(), type, publisher);
                }
            }
            return;
        }
        relay = std::make_unique<relay::KafkaRelay>(config.kafka, messaging, metrics);
        intake = std::make_unique<relay::KafkaIntake>(config.kafka, messaging, metrics);
    }

    std::vector<std::string> hosted_names() const {
        std::vector<std::string> names;
        for (const auto* runtime : messaging.modules()) {
            names.push_back(runtime->name());
        }
        return names;
    }

    json::object readiness() const {
        json::object answer{{"status", "ready"}};
        std::vector<std::string> details;
        json::array failing;
        for (const auto* runtime : messaging.modules()) {
            if (runtime->commits_failing()) {
                failing.push_back(json::string{runtime->name()});
            }
        }
        if (!failing.empty()) {
            details.push_back(fmt::format(
                "the databases of {} cannot commit (is the disk full?): writes answer 503 and "
                "deliveries wait until they can",
                json::serialize(failing)));
            answer["storage"] = json::object{{"failing", std::move(failing)}};
        }
        for (const auto& [name, module] : hosted) {
            for (const auto& reason : module->degraded()) {
                details.push_back(fmt::format("{}: {}", name, reason));
            }
        }
        if (relay) {
            const bool reachable = relay->brokers_reachable();
            answer["relay"] = json::object{{"brokers", relay->brokers()},
                                           {"reachable", reachable},
                                           {"backlog", relay->backlog()}};
            if (!reachable) {
                details.push_back(
                    fmt::format("the Kafka relay cannot reach the brokers {}; the API keeps "
                                "working and {} outbox rows wait to be relayed",
                                relay->brokers(), relay->backlog()));
            }
        }
        if (!details.empty()) {
            answer["status"] = "degraded";
            answer["detail"] = fmt::format("{}", fmt::join(details, "; "));
        }
        return answer;
    }

    const Roles anyone{Role::anyone};
    const Roles operators{Role::operator_};

    void route(Roles roles, http::Method method, std::string pattern, http::Handler handler) {
        const bool probe_or_document = roles == anyone || pattern == "/metrics";
        router.add({method, std::move(pattern), http::Body::none, std::move(roles),
                    std::move(handler), probe_or_document ? http::Limit::none : http::Limit::read});
    }

    void add_platform_routes() {
        using http::Method;
        route(anyone, Method::get, "/healthz", [](const http::Request&, http::Reply reply) {
            reply(http::json_response(200, json::object{{"status", "ok"}}));
        });
        route(anyone, Method::get, "/readyz", [this](const http::Request&, http::Reply reply) {
            if (ready && intake && !intake->assigned()) {
                reply(http::problem(503, "starting", "Not ready",
                                    "the Kafka consumers wait for their partitions"));
            } else if (ready) {
                reply(http::json_response(200, readiness()));
            } else {
                reply(
                    http::problem(503, "not-ready", "Not ready", "shopd is starting or stopping"));
            }
        });
        route(operators, Method::get, "/metrics", [this](const http::Request&, http::Reply reply) {
            http::Response response;
            response.content_type = "text/plain; version=0.0.4; charset=utf-8";
            response.body = metrics.render();
            reply(std::move(response));
        });
        route(operators, Method::get, "/api/admin/dead-letters",
              when_ready(ready, [this](const http::Request&, http::Reply reply) {
                  messaging.list_dead_letters([this, reply](std::vector<bus::DeadLetter> letters) {
                      json::array items;
                      for (const auto& letter : letters) {
                          items.push_back(dead_letter_json(letter, bus));
                      }
                      reply(http::json_response(200, json::object{{"items", std::move(items)},
                                                                  {"next_cursor", nullptr}}));
                  });
              }));
        route(operators, Method::post, "/api/admin/dead-letters/{id}/replay",
              when_ready(ready, [this](const http::Request& request, http::Reply reply) {
                  const auto id = request.param("id");
                  messaging.replay_dead_letter(id, [reply, id](auto result) {
                      using Result = bus::Messaging::ReplayResult;
                      if (result == Result::replayed) {
                          reply(http::json_response(
                              202, json::object{{"id", id}, {"status", "replaying"}}));
                      } else if (result == Result::not_found) {
                          reply(http::problem(404, "not-found", "Not found",
                                              fmt::format("no dead letter '{}'", id)));
                      } else {
                          reply(http::problem(500, "internal", "Internal server error",
                                              "the dead letter could not be replayed"));
                      }
                  });
              }));
        router.add(
            {Method::post, "/api/admin/dead-letters/replay", http::Body::json, operators,
             when_ready(ready, [this](const http::Request& request, http::Reply reply) {
                 std::vector<http::FieldError> errors;
                 http::RequestFields fields(request.json.as_object(), errors);
                 fields.only({"type", "max_per_second"});
                 const auto type = fields.identifier("type", 100);
                 const auto per_second =
                     fields.optional_integer("max_per_second", 1, 1000).value_or(10);
                 if (!errors.empty()) {
                     reply(http::validation_problem(errors));
                     return;
                 }
                 messaging.list_dead_letters([this, reply, type,
                                              per_second](std::vector<bus::DeadLetter> letters) {
                     std::vector<std::string> ids;
                     for (const auto& letter : letters) {
                         if (letter.type == type) {
                             ids.push_back(letter.id);
                         }
                     }
                     const auto count = static_cast<std::int64_t>(ids.size());
                     replay_paced(io, messaging, std::move(ids), static_cast<int>(per_second));
                     reply(http::json_response(202, json::object{{"type", type},
                                                                 {"replaying", count},
                                                                 {"max_per_second", per_second}}));
                 });
             })});
        route(operators, Method::get, "/api/admin/stream",
              [this](const http::Request& request, http::Reply reply) {
                  const auto last = request.header("Last-Event-ID");
                  http::Response response;
                  response.content_type = "text/event-stream";
                  response.headers.push_back({"Cache-Control", "no-cache"});
                  response.stream = message_feed.open(
                      last ? static_cast<std::uint64_t>(whole_number(*last, 0).value_or(0)) : 0);
                  reply(std::move(response));
              });
        route(
            operators, Method::get, "/api/admin/deliveries",
            when_ready(ready, [this](const http::Request& request, http::Reply reply) {
                bus::Messaging::DeliveryFilter filter;
                filter.correlation_id = request.query_param("correlation_id").value_or("");
                std::vector<http::FieldError> errors;
                if (const auto state = request.query_param("state")) {
                    if (*state == "retrying" || *state == "parked") {
                        filter.parked = *state == "parked";
                    } else {
                        errors.push_back({"state", "must be retrying or parked"});
                    }
                }
                filter.limit = http::page_of(request, errors).limit;
                if (!errors.empty()) {
                    reply(http::validation_problem(std::move(errors)));
                    return;
                }
                messaging.list_deliveries(
                    std::move(filter), [reply](std::vector<bus::WaitingDelivery> deliveries) {
                        json::array items;
                        for (const auto& delivery : deliveries) {
                            items.push_back(json::object{
                                {"id", delivery.id},
                                {"publisher", delivery.publisher},
                                {"subscriber", delivery.subscriber},
                                {"message_id", delivery.message_id},
                                {"type", delivery.type},
                                {"aggregate_id", delivery.aggregate_id},
                                {"correlation_id", delivery.correlation_id},
                                {"state", delivery.parked ? "parked" : "retrying"},
                                {"attempts", delivery.attempts},
                                {"last_error", delivery.last_error.empty()
                                                   ? json::value(nullptr)
                                                   : json::value(delivery.last_error)},
                                {"next_attempt_at",
                                 delivery.parked
                                     ? json::value(nullptr)
                                     : json::value(rfc3339(ShopClock::time_point{
                                           std::chrono::milliseconds{delivery.next_attempt_ms}}))},
                            });
                        }
                        reply(http::json_response(200, json::object{{"items", std::move(items)}}));
                    });
            }));
        route(operators, Method::get, "/api/admin/modules",
              [this](const http::Request&, http::Reply reply) {
                  reply(http::json_response(200, module_graph_json(bus, hosted_names())));
              });
        route(operators, Method::get, "/api/admin/audit",
              when_ready(ready, [this](const http::Request& request, http::Reply reply) {
                  const auto page = http::page_or_refuse(request, reply);
                  if (!page) {
                      return;
                  }
                  std::optional<std::int64_t> before;
                  if (!page->cursor.empty()) {
                      before = whole_number(page->cursor, 1);
                      if (!before) {
                          reply(http::validation_problem(
                              {{"cursor", "must be the id of an audit entry"}}));
                          return;
                      }
                  }
                  reply(http::page_response(audit_log.load()->entries(before, page->limit), *page,
                                            "id"));
              }));
        route(operators, Method::get, "/api/admin/outbox",
              when_ready(ready, [this](const http::Request&, http::Reply reply) {
                  json::array modules;
                  for (const auto& entry : messaging.backlog()) {
                      modules.push_back(
                          json::object{{"module", entry.module},
                                       {"pending", entry.pending},
                                       {"parked", entry.parked},
                                       {"oldest_waiting_seconds", entry.oldest_waiting_seconds}});
                  }
                  reply(http::json_response(200, json::object{{"items", std::move(modules)}}));
              }));
    }

    // A mutating call by a known caller goes into the audit with its answer's status.
    std::function<void(const http::Response&)> audited(const http::Request& request,
                                                       const http::Route& route) {
        auto* log = audit_log.load();
        if (log == nullptr || !config.auth.audit || http::is_safe(request.method) ||
            request.caller.actor.empty()) {
            return nullptr;
        }
        auth::AuditEntry entry{unix_millis(clock.now()),
                               request.caller.actor,
                               std::string{role_name(request.caller.role)},
                               std::string{http::method_name(request.method)},
                               route.pattern,
                               request.target.substr(0, request.target.find('?'))};
        return [log, entry = std::move(entry)](const http::Response& response) mutable {
            entry.status = response.status;
            log->record(std::move(entry));
        };
    }

    void add_document_routes() {
        using http::Method;
        route(anyone, Method::get, "/openapi.json",
              [this](const http::Request&, http::Reply reply) {
                  http::Response response;
                  response.content_type = "application/json";
                  response.body = openapi;
                  reply(std::move(response));
              });
    }

    void open_databases() {
        const std::filesystem::path data_dir = config.storage.data_dir;
        try {
            if (!config.storage.memory) {
                data_dir_lock.emplace(data_dir);
            }
            keys = std::make_unique<auth::KeyStore>(
                store::DatabaseLocation{data_dir / "keys.db", config.storage.memory});
            audit = std::make_unique<auth::AuditLog>(
                store::DatabaseLocation{data_dir / "audit.db", config.storage.memory},
                config.auth.audit_retention_days * 86'400'000);
            audit_log = audit.get();
        } catch (const store::StoreError& error) {
            throw StartupError(error.what());
        }
        gateway.use_keys(keys.get());
        for (auto* runtime : messaging.modules()) {
            const store::DatabaseLocation location{data_dir / (runtime->name() + ".db"),
                                                   config.storage.memory};
            try {
                auto database = store::open_database(location, config.storage.durability);
                std::vector<store::MigrationSet> sets{store::platform_migrations()};
                const auto& own = hosted.at(runtime->name())->migration_sets();
                sets.insert(sets.end(), own.begin(), own.end());
                store::apply_migrations(*database, sets);
                if (!location.in_memory) {
                    checkpointer.watch(*database, location.file, config.storage.durability);
                }
                if (config.server.test_mode) {
                    const auto empty = store::open_database({{}, true}, config.storage.durability);
                    store::apply_migrations(*empty, sets);
                    snapshots.keep_initial(runtime->name(), *empty);
                }
                runtime->open(std::move(database));
            } catch (const store::StoreError& error) {
                throw StartupError(error.what());
            }
        }
    }

    void start() {
        std::lock_guard lock(lifecycle_mutex);
        if (started) {
            return;
        }
        const auto listen = config::parse_listen_address(config.server.listen);
        if (!listen && listening()) {
            throw ConfigError("server.listen: expected HOST:PORT");
        }
        if (listen) {
            try {
                server.listen(listen->host, listen->port);
            } catch (const boost::system::system_error& error) {
                throw StartupError(fmt::format("cannot listen on {}: {}", config.server.listen,
                                               error.code().message()));
            }
            if (tls()) {
                try {
                    server.use_tls(tls_files());
                } catch (const std::runtime_error& error) {
                    throw StartupError(error.what());
                }
            }
        }
        started = true;
        if (listening()) {
            server.start();
        }
        work.emplace(io.get_executor());
        for (int i = 0; i < config.server.threads; ++i) {
            threads.emplace_back([this] { io.run(); });
        }
        tracer.export_on(io.get_executor());
        try {
            open_databases();
        } catch (...) {
            stop_locked();
            throw;
        }
        secure_by_default();
        flush_key_uses_later();
        messaging.start();
        try {
            if (relay) {
                relay->start();
                for (const auto& line : intake->describe()) {
                    spdlog::info("consuming from Kafka for {}", line);
                }
                intake->start();
            }
        } catch (const std::runtime_error& error) {
            stop_locked();
            throw StartupError(error.what());
        }
        ready = true;
        spdlog::info("shopd ready {} ({} modules, data in {})",
                     listen ? fmt::format("on {}:{}", listen->host, server.port())
                            : std::string{"without a socket"},
                     messaging.modules().size(),
                     config.storage.memory ? std::string{"memory"} : config.storage.data_dir);
    }

    void stop() {
        std::lock_guard lock(lifecycle_mutex);
        stop_locked();
    }

    // Off loopback, shopd never serves open by accident: the first start makes an admin key
    // and shows it once, on stderr and nowhere else.
    void secure_by_default() {
        const auto& auth = config.auth;
        const bool jwt = !auth.jwt_hs256_secret.empty() || !auth.jwks_file.empty();
        if (gateway.open()) {
            if (listening() && !auth.open) {
                spdlog::warn(
                    "serving without credentials on loopback: every route answers "
                    "anyone on this machine; `shopd keys create` closes it");
            } else if (auth.open) {
                spdlog::warn("auth.open: every route answers anyone who reaches {}",
                             config.server.listen);
            }
            return;
        }
        if (keys->any() || jwt) {
            return;
        }
        const auto key = keys->create("admin", Role::admin, std::nullopt, key_clock_ms()).key;
        std::cerr << fmt::format(
                         "shopd: {} is reachable from the network and no credentials were set "
                         "up, so an admin key was made. It is shown this once:\n{}\n",
                         config.server.listen, key)
                  << std::flush;
        spdlog::warn(
            "made the admin key 'admin' (shown once on stderr); requests need "
            "credentials");
    }

    static std::int64_t key_clock_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    void flush_key_uses_later() {
        key_use_flush.emplace(io, kKeyUseFlush);
        key_use_flush->async_wait([this](const boost::system::error_code& error) {
            if (error || !ready) {
                return;
            }
            flush_key_uses();
            flush_key_uses_later();
        });
    }

    void flush_key_uses() {
        try {
            keys->flush_last_used();
        } catch (const std::exception& error) {
            spdlog::warn("auth: cannot record the keys' last uses: {}", error.what());
        }
    }

    // Empty server.listen: in-process requests only.
    bool listening() const { return !config.server.listen.empty(); }
    bool tls() const { return !config.server.tls_cert.empty(); }
    http::TlsFiles tls_files() const {
        return {config.server.tls_cert, config.server.tls_key, config.server.tls_client_ca};
    }

    // SIGHUP: the TLS files again, for the connections that come next.
    void reload() {
        if (!tls() || !listening()) {
            spdlog::info("SIGHUP: nothing to re-read (no server.tls_cert)");
            return;
        }
        try {
            server.use_tls(tls_files());
            spdlog::info("SIGHUP: re-read the TLS certificate and key");
        } catch (const std::runtime_error& error) {
            spdlog::error("SIGHUP: {}; the certificate in use stays", error.what());
        }
    }

    void handle(http::Request& request, http::Reply reply) {
        if (static_cast<std::int64_t>(request.body.size()) > config.server.body_limit_bytes) {
            reply(http::problem(
                413, "body-too-large", "Content too large",
                fmt::format("the body exceeds {} bytes", config.server.body_limit_bytes)));
            return;
        }
        auto exchange = std::make_shared<telemetry::RequestTelemetry::Exchange>(
            request_telemetry.begin(request));
        router.route(request,
                     http::Reply([this, &request, exchange, reply](http::Response response) {
                         request_telemetry.end(*exchange, request, response);
                         reply(std::move(response));
                     }));
    }

    void stop_locked() {
        if (!started || stopped) {
            return;
        }
        stopped = true;
        ready = false;
        if (listening()) {
            server.shutdown();
        }
        messaging.stop();
        if (key_use_flush) {
            asio::post(io, [this] { key_use_flush->cancel(); });
        }
        if (relay) {
            intake->stop();
            relay->stop(std::min(config.server.shutdown_timeout, kRelayFlushTimeout));
        }
        tracer.stop();  // the last spans are sent while the threads still run
        work.reset();

        // In-flight work gets shutdown_timeout to finish; after that the threads are stopped.
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        std::thread watchdog([&] {
            std::unique_lock wait_lock(mutex);
            if (!finished.wait_for(wait_lock, config.server.shutdown_timeout,
                                   [&] { return done; })) {
                spdlog::warn("shutdown: work still running after {} ms; stopping anyway",
                             config.server.shutdown_timeout.count());
                io.stop();
            }
        });
        for (auto& thread : threads) {
            thread.join();
        }
        threads.clear();
        {
            std::lock_guard done_lock(mutex);
            done = true;
        }
        finished.notify_one();
        watchdog.join();
        checkpointer.stop();
        if (keys) {
            flush_key_uses();
        }
        audit_log = nullptr;
        audit.reset();
        for (auto* runtime : messaging.modules()) {
            runtime->close();
        }
        data_dir_lock.reset();
        spdlog::info("shopd stopped");
    }
};

App::App(Config config, std::vector<ModuleDefinition> modules, std::string_view openapi)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(modules), openapi)) {}

App::~App() {
    stop();
}

void App::start() {
    impl_->start();
}

bool App::idle() const {
    return impl_->test_kit.idle();
}

bool App::wait_until_idle(std::chrono::milliseconds timeout) const {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (!idle()) {
        if (std::chrono::steady_clock::now() >= give_up) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

std::vector<App::Operation> App::operations() const {
    std::vector<Operation> operations;
    for (const auto& route : impl_->router.routes()) {
        operations.push_back({route.method, route.pattern, route.roles});
    }
    return operations;
}

std::string App::module_graph_mermaid() const {
    return shopd::module_graph_mermaid(impl_->bus, impl_->hosted_names());
}

ShopClock& App::clock() {
    return impl_->clock;
}

bool App::ready() const {
    return impl_->ready;
}

unsigned short App::port() const {
    return impl_->server.port();
}

std::string App::url() const {
    if (!impl_->listening()) {
        return {};
    }
    auto host = config::parse_listen_address(impl_->config.server.listen).value().host;
    const auto address = asio::ip::make_address(host);
    if (address.is_unspecified()) {
        host = address.is_v6() ? "::1" : "127.0.0.1";
    }
    const auto scheme = impl_->tls() ? "https" : "http";
    if (address.is_v6()) {
        return fmt::format("{}://[{}]:{}", scheme, host, port());
    }
    return fmt::format("{}://{}:{}", scheme, host, port());
}

void App::stop() {
    impl_->stop();
}

void App::handle(http::Request request, std::function<void(http::Response)> done) {
    // The request lives until the answer: a handler may still read it then.
    auto kept = std::make_shared<http::Request>(std::move(request));
    impl_->handle(*kept, http::Reply([kept, done = std::move(done)](http::Response response) {
        if (response.stream) {
            response.stream->close();
            response = http::problem(406, "stream-needs-socket", "Not acceptable",
                                     "an event stream is served over HTTP only");
        }
        done(std::move(response));
    }));
}

http::Response App::handle(http::Request request) {
    std::promise<http::Response> answer;
    auto future = answer.get_future();
    handle(std::move(request),
           [&answer](http::Response response) { answer.set_value(std::move(response)); });
    return future.get();
}

void App::run_until_signal(const std::function<void()>& on_ready) {
    asio::io_context signal_io;
    asio::signal_set signals(signal_io, SIGINT, SIGTERM, SIGHUP);
    int received = 0;
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& error, int signal_number) {
            if (error) {
                return;
            }
            if (signal_number == SIGHUP) {
                impl_->reload();
                signals.async_wait(on_signal);
                return;
            }
            received = signal_number;
        };
    signals.async_wait(on_signal);
    start();
    if (on_ready) {
        // Ready as /readyz says it: in split mode also once the consumers have their partitions.
        const auto announce = [&signal_io, &on_ready] { asio::post(signal_io, on_ready); };
        if (impl_->intake) {
            impl_->intake->when_assigned(announce);
        } else {
            announce();
        }
    }
    try {
        signal_io.run();
    } catch (...) {
        stop();
        throw;
    }
    spdlog::info("received {}, shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
}

}  // namespace shopd
