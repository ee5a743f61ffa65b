#include "bus/messaging.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/asio/post.hpp>
#include <charconv>
#include <fmt/format.h>
#include <iterator>
#include <mutex>
#include <spdlog/spdlog.h>

#include "util/failure.hpp"

namespace shopd::bus {
namespace {

struct DeadLetterId {
    std::string publisher;
    std::int64_t seq = 0;
    std::string subscriber;
};

std::optional<DeadLetterId> parse_dead_letter_id(std::string_view id) {
    const auto first = id.find('.');
    const auto second = first == std::string_view::npos ? first : id.find('.', first + 1);
    if (second == std::string_view::npos) {
        return std::nullopt;
    }
    DeadLetterId parsed{std::string{id.substr(0, first)}, 0, std::string{id.substr(second + 1)}};
    const auto digits = id.substr(first + 1, second - first - 1);
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), parsed.seq);
    if (error != std::errc{} || end != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return parsed;
}

}  // namespace

Messaging::Messaging(const MessageBus& bus, DeliveryPolicy policy,
                     telemetry::MetricsRegistry& metrics, ShopClock& clock,
                     telemetry::Tracer& tracer)
    : bus_(bus),
      clock_(clock),
      tracer_(tracer),
      policy_(policy),
      metrics_{
          metrics.counter("shopd_messages_published_total",
                          "Messages committed to an outbox, by type.", {"type"}),
          metrics.counter("shopd_messages_delivered_total",
                          "Messages handled by a subscriber, by type and subscriber.",
                          {"type", "subscriber"}),
          metrics.counter("shopd_messages_retried_total",
                          "Failed deliveries scheduled for another attempt.",
                          {"type", "subscriber"}),
          metrics.counter("shopd_messages_dead_lettered_total",
                          "Deliveries parked after exhausting their attempts.",
                          {"type", "subscriber"}),
          metrics.histogram("shopd_batch_units",
                            "Units of work (requests, deliveries) committed per transaction.",
                            {"module"}, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
      } {
    metrics.gauge("shopd_outbox_backlog", "Deliveries waiting in a module's outbox.", {"module"},
                  [this] {
                      std::vector<telemetry::GaugeSample> samples;
                      for (const auto& entry : backlog()) {
                          samples.push_back({{entry.module}, static_cast<double>(entry.pending)});
                      }
                      return samples;
                  });
    metrics.gauge(
        "shopd_outbox_oldest_waiting_seconds",
        "Business time the oldest delivery still to make in a module's outbox has "
        "waited (measured every second).",
        {"module"}, [this] {
            std::vector<telemetry::GaugeSample> samples;
            for (const auto& [name, runtime] : modules_) {
                samples.push_back({{name}, runtime->dispatcher().oldest_waiting_seconds()});
            }
            return samples;
        });
    metrics.sampled_counter(
        "shopd_sqlite_changes_total",
        "Rows inserted, updated or deleted in a module's database by "
        "committed transactions.",
        {"module"}, [this] {
            std::vector<telemetry::GaugeSample> samples;
            for (const auto& [name, runtime] : modules_) {
                samples.push_back({{name}, static_cast<double>(runtime->rows_changed())});
            }
            return samples;
        });
    metrics.gauge("shopd_dead_letters", "Parked deliveries in a module's outbox.", {"module"},
                  [this] {
                      std::vector<telemetry::GaugeSample> samples;
                      for (const auto& entry : backlog()) {
                          samples.push_back({{entry.module}, static_cast<double>(entry.parked)});
                      }
                      return samples;
                  });
    clock_.on_change([this] {
        if (!started_) {
            return;
        }
        for (const auto& [name, runtime] : modules_) {
            runtime->clock_moved();
        }
    });
}

Messaging::~Messaging() = default;

ModuleRuntime& Messaging::host(std::string name, boost::asio::any_io_executor executor) {
    auto runtime = std::make_unique<ModuleRuntime>(name, *this, std::move(executor));
    runtime->every(std::chrono::seconds(1),
                   [&dispatcher = runtime->dispatcher()] { dispatcher.measure_waiting(); });
    return *modules_.emplace(std::move(name), std::move(runtime)).first->second;
}

ModuleRuntime* Messaging::find(std::string_view name) const {
    const auto found = modules_.find(name);
    return found == modules_.end() ? nullptr : found->second.get();
}

void Messaging::deliver(std::string_view subscriber, Envelope envelope, OutboxPosition position,
                        std::function<void(DeliveryResult)> done) {
    // Routes name hosted subscribers only: a subscriber hosted elsewhere reads from Kafka.
    find(subscriber)->receive(std::move(envelope), std::move(done), std::move(position));
}

std::vector<ModuleRuntime*> Messaging::modules() const {
    std::vector<ModuleRuntime*> result;
    for (const auto& [name, runtime] : modules_) {
        result.push_back(runtime.get());
    }
    return result;
}

void Messaging::start() {
    // Every series of the message graph is there from the start, at 0.
    for (const auto& publication : bus_.publications()) {
        if (!is_hosted(publication.module)) {
            continue;
        }
        const auto& type = publication.message.name;
        metrics_.published.with({type});
        for (const auto& subscriber : bus_.subscribers(type)) {
            if (is_hosted(subscriber)) {
                metrics_.delivered.with({type, subscriber});
                metrics_.retried.with({type, subscriber});
                metrics_.dead_lettered.with({type, subscriber});
            }
        }
    }
    for (const auto& [name, runtime] : modules_) {
        runtime->dispatcher().start();
        runtime->start_periodic();
    }
    started_ = true;
}

void Messaging::stop() {
    started_ = false;
    for (const auto& [name, runtime] : modules_) {
        runtime->dispatcher().stop();
        runtime->stop_periodic();
    }
}

int Messaging::delivering() const {
    int count = 0;
    for (const auto& [name, runtime] : modules_) {
        count += runtime->dispatcher().delivering();
    }
    return count;
}

std::vector<std::pair<std::string, std::string>> Messaging::handled_from_elsewhere(
    std::string_view module) const {
    std::vector<std::pair<std::string, std::string>> sources;
    for (const auto& subscription : bus_.subscriptions()) {
        if (subscription.module != module) {
            continue;
        }
        for (const auto& publication : bus_.publications()) {
            if (publication.message.name == subscription.message.name &&
                find(publication.module) == nullptr) {
                sources.emplace_back(publication.module, publication.message.name);
            }
        }
    }
    return sources;
}

std::int64_t Messaging::work_waiting() const {
    std::int64_t waiting = 0;
    for (const auto& [name, module] : modules_) {
        waiting += static_cast<std::int64_t>(module->queued()) + module->pending_deliveries();
    }
    return waiting;
}

std::vector<OutboxBacklog> Messaging::backlog() const {
    std::vector<OutboxBacklog> result;
    for (const auto& [name, runtime] : modules_) {
        result.push_back({name, runtime->pending_deliveries(), runtime->parked_deliveries(),
                          runtime->dispatcher().oldest_waiting_seconds()});
    }
    return result;
}

template <class Item>
void Messaging::gather(std::function<std::vector<Item>(ModuleRuntime&)> read,
                       std::function<void(std::vector<Item>)> done) {
    struct Collector {
        std::mutex mutex;
        std::vector<Item> items;
        std::size_t remaining;
        std::function<void(std::vector<Item>)> done;
    };
    auto collector = std::make_shared<Collector>();
    collector->remaining = modules_.size();
    collector->done = std::move(done);
    if (modules_.empty()) {
        collector->done({});
        return;
    }
    for (const auto& [module_name, module] : modules_) {
        boost::asio::post(module->strand(), [collector, read, runtime = module.get()] {
            std::vector<Item> found;
            try {
                found = read(*runtime);
            } catch (const std::exception&) {
                // A module whose database cannot be read contributes nothing to the list.
            }
            std::unique_lock lock(collector->mutex);
            std::move(found.begin(), found.end(), std::back_inserter(collector->items));
            if (--collector->remaining == 0) {
                auto items = std::move(collector->items);
                lock.unlock();
                collector->done(std::move(items));
            }
        });
    }
}

void Messaging::list_dead_letters(std::function<void(std::vector<DeadLetter>)> done) {
    gather<DeadLetter>(
        [](ModuleRuntime& runtime) {
            std::vector<DeadLetter> found;
            auto& query = runtime.statements().get(
                "SELECT seq, subscriber, message_id, type, version, aggregatetype, "
                "aggregateid, correlation_id, attempts, coalesce(last_error, ''), "
                "coalesce(parked_at, ''), payload FROM dead_letter ORDER BY seq");
            while (query.executeStep()) {
                const auto subscriber = query.getColumn(1).getString();
                found.push_back(
                    DeadLetter{fmt::format("{}.{}.{}", runtime.name(),
                                           query.getColumn(0).getInt64(), subscriber),
                               runtime.name(), subscriber, query.getColumn(2).getString(),
                               query.getColumn(3).getString(), query.getColumn(4).getInt(),
                               query.getColumn(5).getString(), query.getColumn(6).getString(),
                               query.getColumn(7).getString(), query.getColumn(8).getInt(),
                               query.getColumn(9).getString(), query.getColumn(10).getString(),
                               query.getColumn(11).getString()});
            }
            query.reset();
            auto parked = parked_letters(runtime.statements(), runtime.name());
            std::move(parked.begin(), parked.end(), std::back_inserter(found));
            return found;
        },
        std::move(done));
}

void Messaging::list_deliveries(DeliveryFilter filter,
                                std::function<void(std::vector<WaitingDelivery>)> done) {
    const auto limit = static_cast<std::size_t>(filter.limit);
    gather<WaitingDelivery>(
        [filter = std::move(filter)](ModuleRuntime& runtime) {
            std::vector<WaitingDelivery> found;
            // outbox_delivery holds only the deliveries that failed or wait behind one: few.
            auto& query = runtime.statements().get(
                "SELECT d.seq, d.subscriber, o.id, o.type, o.aggregateid, o.correlation_id, "
                "d.state, d.attempts, coalesce(d.last_error, ''), d.next_attempt_ms "
                "FROM outbox_delivery AS d JOIN outbox AS o ON o.seq = d.seq "
                "WHERE (?1 = '' OR o.correlation_id = ?1) AND (?2 IS NULL OR d.state = ?2) "
                "ORDER BY d.seq LIMIT ?3");
            query.bind(1, filter.correlation_id);
            if (filter.parked) {
                query.bind(2, *filter.parked ? "parked" : "pending");
            } else {
                query.bind(2);
            }
            query.bind(3, filter.limit);
            while (query.executeStep()) {
                const auto subscriber = query.getColumn(1).getString();
                found.push_back(WaitingDelivery{
                    fmt::format("{}.{}.{}", runtime.name(), query.getColumn(0).getInt64(),
                                subscriber),
                    runtime.name(), subscriber, query.getColumn(2).getString(),
                    query.getColumn(3).getString(), query.getColumn(4).getString(),
                    query.getColumn(5).getString(), query.getColumn(6).getString() == "parked",
                    query.getColumn(7).getInt(), query.getColumn(8).getString(),
                    query.getColumn(9).getInt64()});
            }
            query.reset();
            return found;
        },
        [limit, done = std::move(done)](std::vector<WaitingDelivery> deliveries) {
            if (deliveries.size() > limit) {
                deliveries.resize(limit);
            }
            done(std::move(deliveries));
        });
}

void Messaging::replay_dead_letter(const std::string& id, std::function<void(ReplayResult)> done) {
    const auto parsed = parse_dead_letter_id(id);
    auto* runtime = parsed ? find(parsed->publisher) : nullptr;
    if (runtime == nullptr) {
        // A publisher hosted elsewhere: the letter is parked with its subscriber, if here.
        auto* subscriber = parsed ? find(parsed->subscriber) : nullptr;
        if (subscriber == nullptr) {
            done(ReplayResult::not_found);
            return;
        }
        replay_parked(*subscriber, parsed->seq, std::move(done));
        return;
    }
    boost::asio::post(runtime->strand(), [runtime, letter = *parsed, done = std::move(done)] {
        int replayed = 0;
        try {
            auto& replay = runtime->statements().get(
                "UPDATE outbox_delivery SET state = 'pending', attempts = 0, next_attempt_ms = 0,"
                " parked_at = NULL WHERE seq = ? AND subscriber = ? AND state = 'parked'");
            replay.bind(1, letter.seq);
            replay.bind(2, letter.subscriber);
            replayed = replay.exec();
        } catch (const std::exception&) {
            done(ReplayResult::failed);
            return;
        }
        if (replayed == 0) {
            done(ReplayResult::not_found);
            return;
        }
        runtime->dispatcher().unparked();
        runtime->dispatcher().reread_from(letter.seq);
        runtime->dispatcher().wake();
        done(ReplayResult::replayed);
    });
}

void Messaging::replay_parked(ModuleRuntime& subscriber, std::int64_t seq,
                              std::function<void(ReplayResult)> done) {
    boost::asio::post(subscriber.strand(), [this, &subscriber, seq, done = std::move(done)] {
        std::optional<ParkedMessage> parked;
        try {
            parked = parked_message(subscriber.statements(), seq);
        } catch (const std::exception&) {
            done(ReplayResult::failed);
            return;
        }
        if (!parked) {
            done(ReplayResult::not_found);
            return;
        }
        done(ReplayResult::replayed);
        deliver_parked(subscriber, std::move(*parked));
    });
}

void Messaging::deliver_parked(ModuleRuntime& subscriber, ParkedMessage message) {
    auto envelope = message.envelope;
    subscriber.receive(std::move(envelope), [this, &subscriber,
                                             message = std::move(message)](DeliveryResult result) {
        const auto& type = message.envelope.type;
        const auto log_failure = [&subscriber,
                                  id = message.envelope.id](std::exception_ptr failure) {
            if (failure) {
                spdlog::error("'{}': cannot record the replay of {}; it stays parked: {}",
                              subscriber.name(), id, failure_text(failure));
            }
        };
        if (result.status == DeliveryResult::Status::failed) {
            metrics_.dead_lettered.with({type, subscriber.name()}).inc();
            spdlog::error("{} {} to '{}' failed again on replay, parked: {}", type,
                          message.envelope.id, subscriber.name(), result.error);
            subscriber.execute(
                {},
                [seq = message.seq, attempts = message.attempts + 1, error = result.error](
                    UnitOfWork& unit_of_work) { park_again(unit_of_work, seq, attempts, error); },
                log_failure);
            return;
        }
        metrics_.delivered.with({type, subscriber.name()}).inc();
        auto next = std::make_shared<std::optional<ParkedMessage>>();
        subscriber.execute(
            {},
            [next, seq = message.seq, aggregate = message.envelope.aggregate_id](
                UnitOfWork& unit_of_work) { *next = settle_parked(unit_of_work, seq, aggregate); },
            [this, &subscriber, next, log_failure](std::exception_ptr failure) {
                log_failure(failure);
                if (!failure && *next) {
                    deliver_parked(subscriber, std::move(**next));
                }
            });
    });
}

}  // namespace shopd::bus
