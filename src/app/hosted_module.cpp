#include "app/hosted_module.hpp"

#include <SQLiteCpp/Exception.h>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "app/idempotency.hpp"
#include "bus/messaging.hpp"
#include "config/config_loader.hpp"
#include "http/client.hpp"
#include "telemetry/tracer.hpp"
#include "util/failure.hpp"

namespace shopd {
namespace {

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

// The settings of `definition`, checked; throws ConfigError.
std::shared_ptr<void> settings_of_definition(const ModuleDefinition& definition,
                                             const Config& config) {
    const auto& section = definition.settings;
    if (!section.name().empty() && section.name() != definition.name) {
        throw std::logic_error(fmt::format("module '{}' declares its settings as section '{}'",
                                           definition.name, section.name()));
    }
    return config::module_settings(section, config);
}

}  // namespace

std::vector<SettingsSection> settings_of(const std::vector<ModuleDefinition>& modules) {
    std::vector<SettingsSection> sections;
    for (const auto& module : modules) {
        sections.push_back(module.settings);
    }
    return sections;
}

HostedModule::HostedModule(bus::ModuleRuntime& runtime, const ModuleDefinition& definition,
                           ModuleHosting hosting)
    : runtime_(runtime),
      hosting_(hosting),
      settings_(settings_of_definition(definition, hosting.config)),
      settings_type_(definition.settings.type()) {}

const void* HostedModule::settings_of(const std::type_info& type) const {
    if (type != settings_type_ || !settings_) {
        throw std::logic_error(
            fmt::format("module '{}' asks for settings of another type than it declares", name()));
    }
    return settings_.get();
}

void HostedModule::declare_publication(MessageType type) {
    hosting_.bus.add_publication({name(), std::move(type)});
}

void HostedModule::add_subscription(MessageType type,
                                    std::function<void(UnitOfWork&, const Envelope&)> handler,
                                    From from) {
    hosting_.bus.add_subscription({name(), std::move(type), std::move(handler), from});
}

void HostedModule::route(http::Route route) {
    route.handler = when_ready(hosting_.ready, std::move(route.handler));
    hosting_.router.add(std::move(route));
}

void HostedModule::intake(http::Route route) {
    route.limit = http::Limit::intake;
    route.handler = [this, limit = hosting_.config.server.max_backlog,
                     handler = std::move(route.handler)](const http::Request& request,
                                                         http::Reply reply) {
        if (runtime_.host().work_waiting() > limit) {
            reply(http::unavailable("overloaded",
                                    fmt::format("more than {} units of work are waiting (server."
                                                "max_backlog); try again shortly",
                                                limit)));
            return;
        }
        handler(request, std::move(reply));
    };
    this->route(std::move(route));
}

void HostedModule::collection(Collection collection) {
    auto shared = std::make_shared<const Collection>(std::move(collection));
    route({http::Method::get, shared->path + "/{id}", http::Body::none, shared->roles,
           [this, shared](const http::Request& request, http::Reply reply) {
               answer(request, reply, {},
                      [shared, id = request.param("id"),
                       caller = request.caller](UnitOfWork& unit_of_work) {
                          const auto found = shared->find(unit_of_work, id);
                          const auto* owner = found ? found->if_contains("customer_id") : nullptr;
                          const bool visible =
                              found && (caller.sees_everything() ||
                                        (owner && owner->is_string() &&
                                         caller.owns(std::string_view{owner->as_string()})));
                          return visible
                                     ? http::json_response(200, *found)
                                     : http::problem(404, "not-found", "Not found",
                                                     fmt::format("no {} '{}'", shared->noun, id));
                      });
           }});
    route({http::Method::get, shared->path, http::Body::none, shared->roles,
           [this, shared](const http::Request& request, http::Reply reply) {
               const auto requested = http::page_or_refuse(request, reply);
               if (!requested) {
                   return;
               }
               CollectionQuery query{
                   shared->filter.empty()
                       ? std::string{}
                       : std::string{request.query_param(shared->filter).value_or("")},
                   request.caller.sees_everything() ? std::string{} : request.caller.id,
                   *requested};
               answer(request, reply, {}, [shared, query](UnitOfWork& unit_of_work) {
                   auto items = shared->list(unit_of_work, query);
                   return http::page_response(std::move(items), query.page);
               });
           }});
}

void HostedModule::every(std::chrono::milliseconds interval, std::string what,
                         std::function<void(UnitOfWork&)> work) {
    runtime_.every(interval, [this, what = name() + ": " + what, work = std::move(work)] {
        runtime_.execute({}, work, log_failure(what));
    });
}

void HostedModule::check_metric_name(const std::string& metric) const {
    if (!metric.starts_with("shopd_")) {
        throw std::logic_error(fmt::format(
            "module '{}' names a metric '{}': metric names start with shopd_", name(), metric));
    }
    if (hosting_.metrics.has(metric)) {
        throw std::logic_error(fmt::format(
            "module '{}' names a metric '{}', which is registered already", name(), metric));
    }
}

telemetry::CounterFamily& HostedModule::counter(std::string metric, std::string help,
                                                std::vector<std::string> labels) {
    check_metric_name(metric);
    return hosting_.metrics.counter(std::move(metric), std::move(help), std::move(labels));
}

telemetry::HistogramFamily& HostedModule::histogram(std::string metric, std::string help,
                                                    std::vector<std::string> labels,
                                                    std::vector<double> bounds) {
    check_metric_name(metric);
    return hosting_.metrics.histogram(std::move(metric), std::move(help), std::move(labels),
                                      std::move(bounds));
}

void HostedModule::gauge(std::string metric, std::string help, std::vector<std::string> labels,
                         std::function<std::vector<telemetry::GaugeSample>()> read) {
    check_metric_name(metric);
    hosting_.metrics.gauge(std::move(metric), std::move(help), std::move(labels), std::move(read));
}

std::vector<std::string> HostedModule::degraded() const {
    std::vector<std::string> reasons;
    for (const auto& check : readiness_) {
        if (auto reason = check()) {
            reasons.push_back(std::move(*reason));
        }
    }
    return reasons;
}

void HostedModule::execute(MessageContext context, std::function<void(UnitOfWork&)> work,
                           std::function<void(std::exception_ptr)> done) {
    runtime_.execute(std::move(context), std::move(work), std::move(done));
}

void HostedModule::read(MessageContext context, std::function<void(UnitOfWork&)> work,
                        std::function<void(std::exception_ptr)> done) {
    runtime_.read(std::move(context), std::move(work), std::move(done));
}

void HostedModule::post(std::function<void()> action) {
    boost::asio::post(runtime_.strand(), std::move(action));
}

void HostedModule::send(http::OutgoingRequest request,
                        std::function<void(http::OutgoingResult)> done) {
    ++hosting_.outgoing_calls;
    auto span = std::make_shared<TraceSpan>(
        runtime_.tracer().start("POST", {}, SpanKind::client, request.traceparent));
    request.headers.push_back({"traceparent", span->traceparent()});
    if (span->recording()) {
        span->set("http.request.method", "POST");
        // Without its query, which may hold a secret.
        span->set("url.full", request.url.substr(0, request.url.find('?')));
        span->set("shopd.module", name());
    }
    auto journaled = hosting_.journal ? std::optional{request} : std::nullopt;
    http::post(runtime_.strand().get_inner_executor(), std::move(request),
               [this, span, done = std::move(done), journaled = std::move(journaled),
                resets = hosting_.resets.load()](http::OutgoingResult result) {
                   if (span->recording()) {
                       if (result.status != 0) {
                           span->set("http.response.status_code",
                                     static_cast<std::int64_t>(result.status));
                       }
                       if (result.status == 0 || result.status >= 400) {
                           span->set("error.type", result.status == 0
                                                       ? std::string{"connection"}
                                                       : std::to_string(result.status));
                           span->fail(result.error.empty() ? fmt::format("HTTP {}", result.status)
                                                           : result.error);
                       }
                   }
                   span->end();
                   if (journaled && resets == hosting_.resets) {
                       hosting_.journal->call(name(), *journaled, result, rfc3339(clock().now()));
                   }
                   post([this, done, resets, result = std::move(result)] {
                       if (resets == hosting_.resets) {
                           done(result);
                       }
                       --hosting_.outgoing_calls;  // its consequences are queued by now
                   });
               });
}

void HostedModule::forget() const {
    for (const auto& forget : on_reset_) {
        forget();
    }
}

Span HostedModule::span(std::string_view span_name) {
    return Span(&hosting_.spans.with({name(), std::string{span_name}}));
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

std::function<void(std::exception_ptr)> log_failure(std::string what) {
    return [what = std::move(what)](std::exception_ptr failure) {
        if (failure) {
            spdlog::error("{} failed: {}", what, failure_text(failure));
        }
    };
}

void HostedModule::answer(const http::Request& request, const http::Reply& reply,
                          MessageContext context, std::function<http::Response(UnitOfWork&)> work) {
    auto key = idempotency::key_of(request);
    if (auto* refusal = std::get_if<http::Response>(&key)) {
        reply(std::move(*refusal));
        return;
    }
    if (context.actor.empty()) {
        context.actor = request.caller.actor;
    }
    if (context.traceparent.empty()) {
        context.traceparent = request.traceparent;
    }
    context.request_id = request.request_id;
    auto answer = std::make_shared<http::Response>();
    const auto run = request.method == http::Method::get ? &bus::ModuleRuntime::read
                                                         : &bus::ModuleRuntime::execute;
    (runtime_.*run)(
        std::move(context),
        [answer, work = std::move(work), key = std::move(key)](UnitOfWork& unit_of_work) {
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
        [answer, reply, module = runtime_.name()](std::exception_ptr failure) {
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

}  // namespace shopd
