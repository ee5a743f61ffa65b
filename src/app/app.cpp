#include <SQLiteCpp/Exception.h>
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <future>
#include <iterator>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

#include <shopd/app.hpp>

#include "app/idempotency.hpp"
#include "app/module_builder.hpp"
#include "app/module_graph.hpp"
#include "bus/messaging.hpp"
#include "bus/retention.hpp"
#include "config/config_loader.hpp"
#include "http/server.hpp"
#include "relay/kafka_intake.hpp"
#include "relay/kafka_relay.hpp"
#include "store/checkpointer.hpp"
#include "store/database.hpp"
#include "store/platform_migrations.hpp"
#include "telemetry/metrics.hpp"
#include "util/failure.hpp"

namespace shopd {
namespace asio = boost::asio;
namespace json = boost::json;

void ModuleBuilder::route(http::Method method, std::string pattern, http::Body body,
                          http::Handler handler) {
    router_.add(method, std::move(pattern), body, when_ready(ready_, std::move(handler)));
}

void ModuleBuilder::intake(http::Method method, std::string pattern, http::Body body,
                           http::Handler handler) {
    route(method, std::move(pattern), body,
          [&messaging = runtime_.messaging(), limit = config_.server.max_backlog,
           handler = std::move(handler)](const http::Request& request, http::Reply reply) {
              if (messaging.work_waiting() > limit) {
                  reply(http::unavailable(
                      "overloaded", fmt::format("more than {} units of work are waiting (server."
                                                "max_backlog); try again shortly",
                                                limit)));
                  return;
              }
              handler(request, std::move(reply));
          });
}

void ModuleBuilder::collection(Collection collection) {
    auto shared = std::make_shared<const Collection>(std::move(collection));
    auto& runtime = runtime_;
    route(http::Method::get, shared->path + "/{id}", http::Body::none,
          [&runtime, shared](const http::Request& request, http::Reply reply) {
              answer_from(runtime, request, reply, {},
                          [shared, id = request.param("id")](bus::UnitOfWork& unit_of_work) {
                              const auto found = shared->find(unit_of_work, id);
                              return found ? http::json_response(200, *found)
                                           : http::problem(
                                                 404, "not-found", "Not found",
                                                 fmt::format("no {} '{}'", shared->noun, id));
                          });
          });
    route(http::Method::get, shared->path, http::Body::none,
          [&runtime, shared](const http::Request& request, http::Reply reply) {
              const auto requested = http::page_or_refuse(request, reply);
              if (!requested) {
                  return;
              }
              const auto filter =
                  shared->filter.empty()
                      ? std::string{}
                      : std::string{request.query_param(shared->filter).value_or("")};
              answer_from(runtime, request, reply, {},
                          [shared, filter, page = *requested](bus::UnitOfWork& unit_of_work) {
                              auto items = shared->list(unit_of_work, filter, page);
                              return http::page_response(std::move(items), page);
                          });
          });
}

http::Handler when_ready(const std::atomic<bool>& ready, http::Handler handler) {
    return [&ready, handler = std::move(handler)](const http::Request& request, http::Reply reply) {
        if (!ready) {
            reply(http::unavailable("not-ready", "shopd is starting or stopping"));
            return;
        }
        handler(request, std::move(reply));
    };
}

namespace {

// The /docs page: Swagger UI, from local files only, showing /openapi.json.
constexpr const char* kDocsPage = R"html(<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>shopd API</title>
  <link rel="icon" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="api"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.addEventListener("load", () => {
      SwaggerUIBundle({url: "/openapi.json", dom_id: "#api", deepLinking: true});
    });
  </script>
</body>
</html>
)html";

// Failures of the disk or file system under a database, not of the request: they pass.
bool storage_unavailable(int sqlite_code) {
    switch (sqlite_code) {
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return true;
        default:
            return false;
    }
}

// Carries an error response out of a unit of work, so that the unit of work rolls back.
struct RolledBack {
    http::Response response;
};

}  // namespace

std::function<void(std::exception_ptr)> log_failure(std::string what) {
    return [what = std::move(what)](std::exception_ptr failure) {
        if (failure) {
            spdlog::error("{} failed: {}", what, failure_text(failure));
        }
    };
}

void answer_from(bus::ModuleRuntime& runtime, const http::Request& request,
                 const http::Reply& reply, bus::MessageContext context,
                 std::function<http::Response(bus::UnitOfWork&)> work) {
    auto key = idempotency::key_of(request);
    if (auto* refusal = std::get_if<http::Response>(&key)) {
        reply(std::move(*refusal));
        return;
    }
    auto answer = std::make_shared<http::Response>();
    const auto run = request.method == http::Method::get ? &bus::ModuleRuntime::read
                                                         : &bus::ModuleRuntime::execute;
    (runtime.*run)(
        std::move(context),
        [answer, work = std::move(work), key = std::move(key)](bus::UnitOfWork& unit_of_work) {
            const auto* idempotent = std::get_if<idempotency::Key>(&key);
            if (idempotent != nullptr) {
                if (auto earlier = idempotency::earlier_answer(unit_of_work, *idempotent)) {
                    if (earlier->status >= 400) {
                        throw RolledBack{std::move(*earlier)};
                    }
                    *answer = std::move(*earlier);
                    return;
                }
            }
            auto response = work(unit_of_work);
            if (response.status >= 400) {
                throw RolledBack{std::move(response)};
            }
            if (idempotent != nullptr) {
                idempotency::remember(unit_of_work, *idempotent, response);
            }
            *answer = std::move(response);
        },
        [answer, reply, module = runtime.name()](std::exception_ptr failure) {
            if (!failure) {
                reply(std::move(*answer));
                return;
            }
            try {
                std::rethrow_exception(failure);
            } catch (RolledBack& rejected) {
                reply(std::move(rejected.response));
            } catch (const SQLite::Exception& error) {
                if (!storage_unavailable(error.getErrorCode())) {
                    spdlog::error("{}: request failed: {}", module, error.what());
                    reply(http::problem(500, "internal", "Internal server error",
                                        "the request could not be completed; nothing was changed"));
                    return;
                }
                spdlog::warn("{}: storage unavailable: {}", module, error.what());
                reply(http::unavailable(
                    "storage-unavailable",
                    "the database cannot be written just now (disk full or failing); nothing "
                    "was changed, reads still work; try again later",
                    5));
            } catch (const std::exception& error) {
                spdlog::error("{}: request failed: {}", module, error.what());
                reply(http::problem(500, "internal", "Internal server error",
                                    "the request could not be completed; nothing was changed"));
            }
        });
}

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

json::object dead_letter_json(const bus::DeadLetter& letter) {
    json::value payload;
    boost::system::error_code error;
    payload = json::parse(letter.payload, error);
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
        {"payload", error ? json::value(letter.payload) : payload},
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
          messaging(bus, delivery_policy(config), metrics, clock),
          router(config.server.json_max_depth),
          server(io, router, server_limits(config.server), metrics) {
        telemetry::register_process_metrics(metrics);
        host_modules(std::move(definitions));
        connect_kafka();
        add_platform_routes();
        if (!openapi.empty()) {
            add_documentation_routes();
        }
    }

    // Members in construction order: io outlives everything that queues work on it.
    Config config;
    std::string openapi;
    ShopClock clock;
    asio::io_context io;
    telemetry::MetricsRegistry metrics;
    bus::MessageBus bus;
    bus::Messaging messaging;
    store::Checkpointer checkpointer;            // of the module databases: ends before they close
    std::unique_ptr<relay::KafkaRelay> relay;    // with kafka.brokers
    std::unique_ptr<relay::KafkaIntake> intake;  // with kafka.brokers, in split mode
    http::Router router;
    http::Server server;
    std::map<std::string, std::vector<store::MigrationSet>> module_migrations;
    std::vector<std::unique_ptr<bus::ModuleRuntime>> hosted_elsewhere;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    std::atomic<bool> ready{false};
    int data_dir_lock = -1;  // flock'ed while the databases are open
    bool started = false;
    bool stopped = false;
    std::mutex lifecycle_mutex;

    void host_modules(std::vector<ModuleDefinition> definitions) {
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
                throw config::ConfigError(
                    fmt::format("modules.enabled: unknown module '{}' (known: {})", name,
                                names.empty() ? "none" : names));
            }
        }
        for (auto& definition : definitions) {
            if (!enabled.empty() &&
                std::find(enabled.begin(), enabled.end(), definition.name) == enabled.end()) {
                register_elsewhere(definition);
                continue;
            }
            auto& runtime = messaging.host(definition.name, io.get_executor());
            sweep_expired(runtime);
            ModuleBuilder builder(runtime, config, bus, router, ready);
            definition.register_module(builder);
            module_migrations[definition.name] = builder.migration_sets();
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
        auto& runtime = *hosted_elsewhere.emplace_back(
            std::make_unique<bus::ModuleRuntime>(definition.name, messaging, io.get_executor()));
        http::Router unused_routes(config.server.json_max_depth);
        ModuleBuilder builder(runtime, config, bus, unused_routes, ready);
        definition.register_module(builder);
    }

    // Runs `work` in a unit of work of `runtime` four times per `period` (at least every
    // minute): forgetting what has outlived `period`.
    static void sweep_every_quarter_of(std::chrono::milliseconds period,
                                       bus::ModuleRuntime& runtime, const std::string& what,
                                       std::function<void(bus::UnitOfWork&)> work) {
        const auto every = std::clamp(period / 4, std::chrono::milliseconds(10),
                                      std::chrono::milliseconds(60'000));
        runtime.every(every, [&runtime, what = runtime.name() + ": " + what, work] {
            runtime.execute({}, work, log_failure(what));
        });
    }

    // Answers to idempotent requests once their time is up; delivered and handled messages
    // once storage.message_retention has passed.
    void sweep_expired(bus::ModuleRuntime& runtime) {
        const auto ttl = config.server.idempotency_ttl;
        sweep_every_quarter_of(ttl, runtime, "forgetting idempotency keys",
                               [ttl](bus::UnitOfWork& unit_of_work) {
                                   idempotency::forget_older_than(unit_of_work, ttl);
                               });
        const auto keep = config.storage.message_retention;
        const auto relayed = config.kafka.brokers.empty() ? bus::Relay::off : bus::Relay::on;
        sweep_every_quarter_of(keep, runtime, "forgetting settled messages",
                               [keep, relayed](bus::UnitOfWork& unit_of_work) {
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

    void add_platform_routes() {
        using http::Body;
        using http::Method;
        router.add(Method::get, "/healthz", Body::none,
                   [](const http::Request&, http::Reply reply) {
                       reply(http::json_response(200, json::object{{"status", "ok"}}));
                   });
        router.add(Method::get, "/readyz", Body::none,
                   [this](const http::Request&, http::Reply reply) {
                       if (ready && intake && !intake->assigned()) {
                           reply(http::problem(503, "starting", "Not ready",
                                               "the Kafka consumers wait for their partitions"));
                       } else if (ready) {
                           reply(http::json_response(200, readiness()));
                       } else {
                           reply(http::problem(503, "not-ready", "Not ready",
                                               "shopd is starting or stopping"));
                       }
                   });
        router.add(Method::get, "/metrics", Body::none,
                   [this](const http::Request&, http::Reply reply) {
                       http::Response response;
                       response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                       response.body = metrics.render();
                       reply(std::move(response));
                   });
        router.add(Method::get, "/api/admin/dead-letters", Body::none,
                   when_ready(ready, [this](const http::Request&, http::Reply reply) {
                       messaging.list_dead_letters([reply](std::vector<bus::DeadLetter> letters) {
                           json::array items;
                           for (const auto& letter : letters) {
                               items.push_back(dead_letter_json(letter));
                           }
                           reply(http::json_response(200, json::object{{"items", std::move(items)},
                                                                       {"next_cursor", nullptr}}));
                       });
                   }));
        router.add(Method::post, "/api/admin/dead-letters/{id}/replay", Body::none,
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
        router.add(Method::get, "/api/admin/modules", Body::none,
                   [this](const http::Request&, http::Reply reply) {
                       reply(http::json_response(200, module_graph_json(bus, hosted_names())));
                   });
        router.add(Method::get, "/api/admin/outbox", Body::none,
                   when_ready(ready, [this](const http::Request&, http::Reply reply) {
                       json::array modules;
                       for (const auto& entry : messaging.backlog()) {
                           modules.push_back(json::object{{"module", entry.module},
                                                          {"pending", entry.pending},
                                                          {"parked", entry.parked}});
                       }
                       reply(http::json_response(200, json::object{{"items", std::move(modules)}}));
                   }));
    }

    void add_documentation_routes() {
        using http::Body;
        using http::Method;
        router.add(Method::get, "/openapi.json", Body::none,
                   [this](const http::Request&, http::Reply reply) {
                       http::Response response;
                       response.content_type = "application/json";
                       response.body = openapi;
                       reply(std::move(response));
                   });
        router.add(
            Method::get, "/docs", Body::none, [this](const http::Request&, http::Reply reply) {
                if (!std::filesystem::is_regular_file(
                        std::filesystem::path{config.server.docs_dir} / "swagger-ui-bundle.js")) {
                    reply(http::problem(
                        503, "docs-not-installed", "Documentation viewer not installed",
                        fmt::format("no swagger-ui-dist in '{}' (server.docs_dir); "
                                    "scripts/run.sh installs it, /openapi.json is served "
                                    "regardless",
                                    config.server.docs_dir)));
                    return;
                }
                http::Response response;
                response.content_type = "text/html; charset=utf-8";
                response.body = kDocsPage;
                reply(std::move(response));
            });
        router.add(Method::get, "/docs/{file}", Body::none,
                   [this](const http::Request& request, http::Reply reply) {
                       reply(docs_asset(request.param("file")));
                   });
    }

    // One of the viewer's files; nothing else of the directory is reachable.
    http::Response docs_asset(const std::string& file) const {
        static const std::map<std::string, std::string, std::less<>> kAssets{
            {"swagger-ui.css", "text/css"},
            {"swagger-ui-bundle.js", "text/javascript"},
            {"favicon-32x32.png", "image/png"}};
        const auto asset = kAssets.find(file);
        std::ifstream stream(std::filesystem::path{config.server.docs_dir} / file,
                             std::ios::binary);
        if (asset == kAssets.end() || !stream) {
            return http::problem(404, "not-found", "Not found",
                                 fmt::format("no documentation file '{}'", file));
        }
        http::Response response;
        response.content_type = asset->second;
        response.headers.push_back({"Cache-Control", "public, max-age=3600"});
        response.body.assign(std::istreambuf_iterator<char>(stream), {});
        return response;
    }

    // Two processes writing one set of databases would each believe it alone holds the
    // outboxes; the second one is refused.
    void lock_data_directory(const std::filesystem::path& data_dir) {
        const auto path = data_dir / "shopd.lock";
        data_dir_lock = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (data_dir_lock < 0) {
            throw StartupError(
                fmt::format("data directory {}: {}", data_dir.string(), std::strerror(errno)));
        }
        if (::flock(data_dir_lock, LOCK_EX | LOCK_NB) != 0) {
            char holder[32] = {};
            [[maybe_unused]] const auto read = ::pread(data_dir_lock, holder, sizeof holder - 1, 0);
            ::close(data_dir_lock);
            data_dir_lock = -1;
            throw StartupError(fmt::format("data directory {} is in use by another shopd (pid {})",
                                           data_dir.string(), std::string{holder}));
        }
        const auto pid = std::to_string(::getpid());
        if (::ftruncate(data_dir_lock, 0) != 0 ||
            ::pwrite(data_dir_lock, pid.data(), pid.size(), 0) < 0) {
            spdlog::warn("data directory {}: cannot record the pid in {}", data_dir.string(),
                         path.string());
        }
    }

    void open_databases() {
        const std::filesystem::path data_dir = config.storage.data_dir;
        if (!config.storage.memory) {
            std::error_code error;
            std::filesystem::create_directories(data_dir, error);
            if (error) {
                throw StartupError(
                    fmt::format("data directory {}: {}", data_dir.string(), error.message()));
            }
            lock_data_directory(data_dir);
        }
        for (auto* runtime : messaging.modules()) {
            const store::DatabaseLocation location{data_dir / (runtime->name() + ".db"),
                                                   config.storage.memory};
            try {
                auto database = store::open_database(location, config.storage.durability);
                std::vector<store::MigrationSet> sets{store::platform_migrations()};
                const auto& own = module_migrations[runtime->name()];
                sets.insert(sets.end(), own.begin(), own.end());
                store::apply_migrations(*database, sets);
                if (!location.in_memory) {
                    checkpointer.watch(*database, location.file, config.storage.durability);
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
        if (!listen) {
            throw config::ConfigError("server.listen: expected HOST:PORT");
        }
        try {
            server.listen(listen->host, listen->port);
        } catch (const boost::system::system_error& error) {
            throw StartupError(fmt::format("cannot listen on {}: {}", config.server.listen,
                                           error.code().message()));
        }
        started = true;
        server.start();
        work.emplace(io.get_executor());
        for (int i = 0; i < config.server.threads; ++i) {
            threads.emplace_back([this] { io.run(); });
        }
        try {
            open_databases();
        } catch (...) {
            stop_locked();
            throw;
        }
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
        spdlog::info("shopd ready on {}:{} ({} modules, data in {})", listen->host, server.port(),
                     messaging.modules().size(),
                     config.storage.memory ? std::string{"memory"} : config.storage.data_dir);
    }

    void stop() {
        std::lock_guard lock(lifecycle_mutex);
        stop_locked();
    }

    void stop_locked() {
        if (!started || stopped) {
            return;
        }
        stopped = true;
        ready = false;
        server.shutdown();
        messaging.stop();
        if (relay) {
            intake->stop();
            relay->stop(std::min(config.server.shutdown_timeout, kRelayFlushTimeout));
        }
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
        for (auto* runtime : messaging.modules()) {
            runtime->close();
        }
        if (data_dir_lock >= 0) {
            ::close(data_dir_lock);
            data_dir_lock = -1;
        }
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
    const auto backlog = impl_->messaging.backlog();
    return std::all_of(backlog.begin(), backlog.end(),
                       [](const bus::OutboxBacklog& module) { return module.pending == 0; });
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

void App::stop() {
    impl_->stop();
}

void App::run_until_signal() {
    asio::io_context signal_io;
    asio::signal_set signals(signal_io, SIGINT, SIGTERM);
    int received = 0;
    signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
        if (!error) {
            received = signal_number;
        }
    });
    start();
    signal_io.run();
    spdlog::info("received {}, shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
}

}  // namespace shopd
