// Wiring of the analytics module: a read model of the order and payment events, from their
// retained history on, and the summary and series routes over it.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>

#include <shopd/module.hpp>

#include "migrations.hpp"
#include "period.hpp"
#include "read_model.hpp"

namespace shopd::analytics {
namespace json = boost::json;
namespace order = contracts::order;
namespace payment = contracts::payment;

namespace {

// Buckets one series may hold: a week of minutes, or twenty-seven years of days.
constexpr std::size_t kMostBuckets = 10'080;

const Roles kReaders{Role::operator_};

json::value json_or_null(const std::optional<Instant>& instant) {
    return instant ? json::value(rfc3339(*instant)) : json::value(nullptr);
}

json::value json_or_null(const std::optional<std::int64_t>& number) {
    return number ? json::value(*number) : json::value(nullptr);
}

// ?from= and ?to=, each optional; a wrong one is a field error.
Range range_of(const http::Request& request, std::vector<http::FieldError>& errors) {
    Range range;
    for (auto [name, end] : {std::pair{"from", &range.from}, std::pair{"to", &range.to}}) {
        const auto text = request.query_param(name);
        if (!text) {
            continue;
        }
        *end = parse_rfc3339(*text);
        if (!*end) {
            errors.push_back(
                {name, "must be an RFC 3339 date and time, e.g. 2026-12-01T00:00:00Z"});
        }
    }
    if (range.from && range.to && *range.to <= *range.from) {
        errors.push_back({"to", "must be later than from"});
    }
    return range;
}

json::object summary_json(const Summary& summary, const Range& range) {
    json::object cancelled;
    for (const auto& [reason, count] : summary.orders_cancelled) {
        cancelled[reason] = count;
    }
    json::array revenue;
    for (const auto& currency : summary.revenue) {
        revenue.push_back(json::object{{"currency", currency.currency},
                                       {"captured_cents", currency.captured_cents},
                                       {"refunded_cents", currency.refunded_cents}});
    }
    json::array top_skus;
    for (const auto& sold : summary.top_skus) {
        top_skus.push_back(json::object{{"sku", sold.sku}, {"quantity", sold.quantity}});
    }
    return json::object{
        {"from", json_or_null(range.from)},
        {"to", json_or_null(range.to)},
        {"orders_placed", summary.orders_placed},
        {"orders_confirmed", summary.orders_confirmed},
        {"orders_delivered", summary.orders_delivered},
        {"orders_cancelled", std::move(cancelled)},
        {"revenue", std::move(revenue)},
        {"top_skus", std::move(top_skus)},
        {"saga_ms", json::object{{"p50", json_or_null(summary.saga_p50_ms)},
                                 {"p95", json_or_null(summary.saga_p95_ms)}}},
    };
}

std::optional<Metric> metric_named(std::string_view name) {
    if (name == "orders_placed") {
        return Metric::orders_placed;
    }
    if (name == "orders_confirmed") {
        return Metric::orders_confirmed;
    }
    if (name == "revenue_cents") {
        return Metric::revenue_cents;
    }
    return std::nullopt;
}

void add_routes(ModuleBuilder& builder, std::shared_ptr<const ReadModel> model) {
    auto& work = builder.work();
    builder.route({http::Method::get, "/api/analytics/summary", http::Body::none, kReaders,
                   [&work, model](const http::Request& request, http::Reply reply) {
                       std::vector<http::FieldError> errors;
                       const auto range = range_of(request, errors);
                       if (!errors.empty()) {
                           reply(http::validation_problem(errors));
                           return;
                       }
                       work.answer(request, reply, {}, [model, range](UnitOfWork& unit_of_work) {
                           return http::json_response(
                               200, summary_json(model->summary(unit_of_work, range), range));
                       });
                   }});
    builder.route(
        {http::Method::get, "/api/analytics/timeseries", http::Body::none, kReaders,
         [&work, model](const http::Request& request, http::Reply reply) {
             std::vector<http::FieldError> errors;
             const auto metric = metric_named(request.query_param("metric").value_or(""));
             if (!metric) {
                 errors.push_back(
                     {"metric", "must be orders_placed, orders_confirmed or revenue_cents"});
             }
             const auto bucket = bucket_named(request.query_param("bucket").value_or(""));
             if (!bucket) {
                 errors.push_back({"bucket", "must be minute, hour or day"});
             }
             auto range = range_of(request, errors);
             const std::string currency{request.query_param("currency").value_or("")};
             if (!errors.empty()) {
                 reply(http::validation_problem(errors));
                 return;
             }
             const auto now = std::chrono::floor<std::chrono::milliseconds>(work.clock().now());
             const auto to = range.to.value_or(std::max(now, range.from.value_or(now)));
             const auto from = range.from.value_or(to - std::chrono::hours(24));
             if (to <= from) {
                 reply(http::validation_problem({{"from", "must be earlier than to"}}));
                 return;
             }
             if ((to - from) / length_of(*bucket) >= static_cast<std::int64_t>(kMostBuckets)) {
                 reply(http::validation_problem(
                     {{"bucket",
                       fmt::format("from and to span more than {} buckets of a {}", kMostBuckets,
                                   request.query_param("bucket").value_or(""))}}));
                 return;
             }
             work.answer(
                 request, reply, {},
                 [model, metric = *metric, bucket = *bucket, from, to,
                  currency](UnitOfWork& unit_of_work) {
                     auto chosen = currency;
                     if (metric == Metric::revenue_cents && chosen.empty()) {
                         const auto currencies = model->currencies(unit_of_work);
                         if (currencies.size() > 1) {
                             return http::validation_problem(
                                 {{"currency", fmt::format("required: the shop took money in {}",
                                                           fmt::join(currencies, ", "))}});
                         }
                         chosen = currencies.empty() ? std::string{} : currencies.front();
                     }
                     const auto series =
                         model->series(unit_of_work, metric, bucket, from, to, chosen);
                     json::array items;
                     for (std::size_t i = 0; i < series.starts.size(); ++i) {
                         items.push_back(json::object{{"start", rfc3339(series.starts[i])},
                                                      {"value", series.values[i]}});
                     }
                     json::object answer{
                         {"from", rfc3339(from)}, {"to", rfc3339(to)}, {"items", std::move(items)}};
                     if (metric == Metric::revenue_cents) {
                         answer["currency"] =
                             chosen.empty() ? json::value(nullptr) : json::value(chosen);
                     }
                     return http::json_response(200, answer);
                 });
         }});
}

// Subscribes `record` of the read model to event type E, from the retained history on, so a
// shop that adds analytics late counts the orders it still holds messages of.
template <class E>
void record(ModuleBuilder& builder, const std::shared_ptr<const ReadModel>& model,
            void (ReadModel::*apply)(UnitOfWork&, const E&) const) {
    builder.subscribe<E>([model, apply](UnitOfWork& unit_of_work,
                                        const E& event) { ((*model).*apply)(unit_of_work, event); },
                         From::history);
}

}  // namespace

ModuleDefinition module() {
    return {"analytics", [](ModuleBuilder& builder) {
                builder.migrations(migrations());
                auto model = std::make_shared<const ReadModel>();
                record<order::OrderPlaced>(builder, model, &ReadModel::placed);
                record<order::OrderConfirmed>(builder, model, &ReadModel::confirmed);
                record<order::OrderDelivered>(builder, model, &ReadModel::delivered);
                record<order::OrderCancelled>(builder, model, &ReadModel::cancelled);
                record<payment::PaymentCaptured>(builder, model, &ReadModel::captured);
                record<payment::PaymentRefunded>(builder, model, &ReadModel::refunded);
                add_routes(builder, model);
            }};
}

}  // namespace shopd::analytics
