#include "relay/kafka_intake.hpp"

#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>
#include <thread>

#include <shopd/metrics.hpp>

#include "bus/intake_parking.hpp"
#include "bus/messaging.hpp"
#include "bus/module_runtime.hpp"
#include "config/config_loader.hpp"
#include "relay/kafka_client.hpp"
#include "relay/kafka_record.hpp"
#include "telemetry/logging.hpp"
#include "telemetry/tracer.hpp"
#include "util/failure.hpp"

namespace shopd::relay {
namespace {

KafkaRecord record_of(RdKafka::Message& message) {
    KafkaRecord record;
    if (const auto* key = message.key()) {
        record.key = *key;
    }
    record.value.assign(static_cast<const char*>(message.payload()), message.len());
    if (auto* headers = message.headers()) {
        for (const auto& header : headers->get_all()) {
            record.headers.emplace_back(header.key(),
                                        std::string{header.value_string(), header.value_size()});
        }
    }
    return record;
}

// The shop a record says it belongs to: its shop_id header, empty without one.
std::string shop_of(const KafkaRecord& record) {
    for (const auto& [name, value] : record.headers) {
        if (name == "shop_id") {
            return value;
        }
    }
    return {};
}

// The topics of the modules hosted elsewhere that publish something `module` handles.
std::set<std::string> topics_for(const KafkaConfig& config, const bus::Messaging& messaging,
                                 const std::string& module) {
    std::set<std::string> topics;
    for (const auto& [publisher, type] : messaging.handled_from_elsewhere(module)) {
        topics.insert(topic_of(config, publisher));
    }
    return topics;
}

using Partition = std::pair<std::string, std::int32_t>;  // (topic, partition)

// One consumed message on its way into the module.
struct Consumed {
    Envelope envelope;
    std::string publisher;
    Partition partition;
    std::int64_t offset = 0;
    int attempts = 0;  // failed so far
};

// Which offsets of a partition are consumed and not yet settled (handled, held, parked or
// skipped): the partition's committable offset is the first of them.
struct PartitionProgress {
    std::set<std::int64_t> unsettled;
    std::int64_t consumed_through = -1;

    std::int64_t committable() const {
        return unsettled.empty() ? consumed_through + 1 : *unsettled.begin();
    }
};

}  // namespace

// One hosted module's consumer, the thread that drives it, and the messages under way.
//
// The thread only reads: each message goes to the module's executor at once, where messages
// of different aggregates commit together in its batches. Per aggregate one message is under
// way and the later ones wait behind it in memory, so a failing message (retried on a timer,
// then parked) holds back its own aggregate alone. An offset is stored for commit only once
// every message before it in its partition has settled.
struct ModuleIntake {
    ModuleIntake(bus::ModuleRuntime& module, std::vector<std::string> module_topics,
                 telemetry::Counter& consumed_counter, telemetry::Counter& failed_counter,
                 telemetry::Counter& foreign_counter)
        : runtime(module),
          topics(std::move(module_topics)),
          consumed(consumed_counter),
          failed(failed_counter),
          foreign(foreign_counter),
          events(std::make_unique<ClientEvents>("consumer of " + module.name())) {}

    bus::ModuleRuntime& runtime;
    std::vector<std::string> topics;
    telemetry::Counter& consumed;
    telemetry::Counter& failed;
    telemetry::Counter& foreign;
    std::unique_ptr<ClientEvents> events;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer;
    std::thread thread;
    std::atomic<bool> assigned{false};  // the group gave this consumer its partitions

    std::mutex mutex;
    std::condition_variable changed;  // a message settled, or the intake stops
    // Under mutex.
    std::map<Partition, PartitionProgress> partitions;
    std::map<std::string, std::deque<std::shared_ptr<Consumed>>, std::less<>> lanes;
    int under_way = 0;  // consumed and not settled
    int in_hands = 0;   // of those, in the module's hands now: not waiting in a lane or a timer
    std::set<std::shared_ptr<boost::asio::steady_timer>> retry_timers;
    bool stopping = false;  // no message starts any more
};

struct KafkaIntake::Impl {
    Impl(const KafkaConfig& kafka, bus::Messaging& bus_messaging,
         telemetry::MetricsRegistry& metrics)
        : config(kafka), messaging(bus_messaging) {
        auto& consumed = metrics.counter(
            "shopd_kafka_consumed_total",
            "Messages from other processes' topics handled (or found handled) by a module.",
            {"module"});
        auto& failed = metrics.counter(
            "shopd_kafka_consume_failures_total",
            "Failed attempts to handle a consumed message, and records that are no envelope.",
            {"module"});
        auto& foreign = metrics.counter(
            "shopd_kafka_foreign_skipped_total",
            "Consumed messages of another shop (kafka.shop_id), skipped and never handled.",
            {"module"});
        for (auto* runtime : messaging.modules()) {
            const auto topics = topics_for(config, messaging, runtime->name());
            if (topics.empty()) {
                continue;
            }
            auto intake = std::make_unique<ModuleIntake>(
                *runtime, std::vector<std::string>{topics.begin(), topics.end()},
                consumed.with({runtime->name()}), failed.with({runtime->name()}),
                foreign.with({runtime->name()}));
            auto conf = client_conf(config,
                                    {{"group.id", topic_of(config, runtime->name())},
                                     {"client.id", "shopd-" + runtime->name()},
                                     // A killed process's partitions wait this long for
                                     // the group to give up on it (the brokers' minimum).
                                     {"session.timeout.ms", "6000"},
                                     {"heartbeat.interval.ms", "2000"},
                                     // A new group starts with the oldest message: what was
                                     // produced before this process first ran is handled too.
                                     {"auto.offset.reset", "earliest"},
                                     {"enable.auto.offset.store", "false"},
                                     {"enable.auto.commit", "true"},
                                     {"auto.commit.interval.ms", "500"},
                                     {"allow.auto.create.topics", "true"}},
                                    *intake->events);
            std::string error;
            intake->consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
            if (!intake->consumer) {
                throw shopd::ConfigError(fmt::format(
                    "kafka: cannot create the consumer of '{}': {}", runtime->name(), error));
            }
            intakes.push_back(std::move(intake));
        }
    }

    KafkaConfig config;
    bus::Messaging& messaging;
    std::vector<std::unique_ptr<ModuleIntake>> intakes;
    std::atomic<bool> running{false};
    std::mutex assignment_mutex;
    std::vector<std::function<void()>> when_assigned;  // under assignment_mutex

    bool all_assigned() const {
        return std::all_of(intakes.begin(), intakes.end(),
                           [](const auto& intake) { return intake->assigned.load(); });
    }

    // Once every consumer has its partitions, those waiting for that are told, once.
    void assignment_changed() {
        std::vector<std::function<void()>> waiting;
        {
            std::lock_guard lock(assignment_mutex);
            if (!all_assigned()) {
                return;
            }
            waiting.swap(when_assigned);
        }
        for (const auto& then : waiting) {
            then();
        }
    }

    void consume(ModuleIntake& intake) {
        const auto most_under_way = messaging.policy().max_in_flight;
        while (running) {
            {
                // Bounded like the dispatcher's deliveries: a slow module is not flooded.
                std::unique_lock lock(intake.mutex);
                if (!intake.changed.wait_for(lock, std::chrono::milliseconds(200), [&] {
                        return intake.under_way < most_under_way || !running;
                    })) {
                    continue;
                }
            }
            std::unique_ptr<RdKafka::Message> message{intake.consumer->consume(200)};
            if (note_assignment(intake)) {
                assignment_changed();
            }
            switch (message->err()) {
                case RdKafka::ERR_NO_ERROR:
                    accept(intake, *message);
                    break;
                case RdKafka::ERR__TIMED_OUT:
                case RdKafka::ERR__PARTITION_EOF:
                    break;
                case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
                    // The publisher has produced nothing yet; the topic appears with its first row.
                    break;
                default:
                    spdlog::warn("kafka consumer of '{}': {}", intake.runtime.name(),
                                 message->errstr());
            }
        }
    }

    // True when the group has just given this consumer its partitions.
    static bool note_assignment(ModuleIntake& intake) {
        if (intake.assigned) {
            return false;
        }
        std::vector<RdKafka::TopicPartition*> partitions;
        if (intake.consumer->assignment(partitions) == RdKafka::ERR_NO_ERROR &&
            !partitions.empty()) {
            intake.assigned = true;
        }
        RdKafka::TopicPartition::destroy(partitions);
        return intake.assigned;
    }

    // On the consumer thread: skips what this module does not take, and sends the rest on.
    void accept(ModuleIntake& intake, RdKafka::Message& message) {
        const auto& module = intake.runtime.name();
        auto consumed = std::make_shared<Consumed>();
        consumed->partition = {message.topic_name(), message.partition()};
        consumed->offset = message.offset();
        {
            std::lock_guard lock(intake.mutex);
            auto& progress = intake.partitions[consumed->partition];
            progress.consumed_through = std::max(progress.consumed_through, consumed->offset);
            progress.unsettled.insert(consumed->offset);
            ++intake.under_way;
        }
        try {
            const auto record = record_of(message);
            if (!config.shop_id.empty() && shop_of(record) != config.shop_id) {
                intake.foreign.inc();
                settle(intake, consumed);  // another shop's: never handled
                return;
            }
            consumed->envelope = envelope_of(record);
        } catch (const std::invalid_argument& error) {
            intake.failed.inc();
            spdlog::error(
                "kafka consumer of '{}': {} [{}] offset {} is not a shopd message ({}); "
                "skipped",
                module, message.topic_name(), message.partition(), message.offset(), error.what());
            settle(intake, consumed);
            return;
        }
        if (messaging.bus().subscription(module, consumed->envelope.type) == nullptr) {
            settle(intake, consumed);  // a message of that topic this module ignores
            return;
        }
        auto span = messaging.tracer().start("receive", consumed->envelope.type, SpanKind::consumer,
                                             consumed->envelope.traceparent);
        consumed->envelope.traceparent = span.traceparent();
        telemetry::describe_message(span, "kafka", "receive", message.topic_name(),
                                    consumed->envelope);
        span.set("messaging.destination.partition.id", message.partition());
        span.set("messaging.kafka.offset", message.offset());
        span.set("messaging.consumer.group.name", module);
        consumed->publisher = message.topic_name().substr(config.topic_prefix.size() + 1);
        bool first_of_lane = false;
        {
            std::lock_guard lock(intake.mutex);
            auto& lane = intake.lanes[consumed->envelope.aggregate_id];
            first_of_lane = lane.empty();
            lane.push_back(consumed);
        }
        if (first_of_lane) {
            begin(intake, consumed);
        }
    }

    void begin(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed) {
        {
            std::lock_guard lock(intake.mutex);
            if (intake.stopping) {
                return;  // unsettled: consumed again after the restart
            }
            ++intake.in_hands;
        }
        deliver(intake, consumed);
    }

    // Hands the message to the module, or holds it behind a parked message of its aggregate.
    void deliver(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed) {
        // Usually nothing is parked: a read, and no transaction, tells.
        auto behind = std::make_shared<bool>(false);
        intake.runtime.read(
            {},
            [behind, consumed](UnitOfWork& unit_of_work) {
                *behind = bus::waits_behind_parked(unit_of_work.statements(), consumed->envelope);
            },
            [this, &intake, behind, consumed](std::exception_ptr failure) {
                if (failure) {
                    failed(intake, consumed, failure_text(failure), false);
                } else if (*behind) {
                    hold(intake, consumed);
                } else {
                    receive(intake, consumed);
                }
            });
    }

    void hold(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed) {
        // Looked at again in the unit of work that holds it: a replay may have emptied the
        // queue meanwhile.
        auto held = std::make_shared<bool>(false);
        intake.runtime.execute(
            {},
            [held, consumed](UnitOfWork& unit_of_work) {
                *held =
                    bus::hold_behind_parked(unit_of_work, consumed->envelope, consumed->publisher);
            },
            [this, &intake, held, consumed](std::exception_ptr failure) {
                if (failure) {
                    failed(intake, consumed, failure_text(failure), false);
                } else if (*held) {
                    settle(intake, consumed);
                } else {
                    receive(intake, consumed);
                }
            });
    }

    void receive(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed) {
        intake.runtime.receive(
            consumed->envelope, [this, &intake, consumed](bus::DeliveryResult delivery) {
                if (delivery.status == bus::DeliveryResult::Status::failed) {
                    failed(intake, consumed, delivery.error, delivery.hopeless);
                    return;
                }
                intake.consumed.inc();
                messaging.metrics()
                    .delivered.with({consumed->envelope.type, intake.runtime.name()})
                    .inc();
                settle(intake, consumed);
            });
    }

    // On the module's strand: retried after the delivery backoff on a timer, off the consumer
    // thread, or parked after the last attempt (at once when no retry can help).
    void failed(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed,
                const std::string& error, bool hopeless) {
        const auto& envelope = consumed->envelope;
        telemetry::CorrelationScope scope(envelope.correlation_id);
        const auto& policy = messaging.policy();
        const int attempts = ++consumed->attempts;
        intake.failed.inc();
        if (hopeless || attempts >= policy.max_attempts) {
            park(intake, consumed, error);
            return;
        }
        const auto wait = policy.backoff(attempts);
        spdlog::warn("{} {} from {} to '{}' failed (attempt {}), retrying in {} ms: {}",
                     envelope.type, envelope.id, consumed->partition.first, intake.runtime.name(),
                     attempts, wait.count(), error);
        retry_later(intake, consumed, wait,
                    [this, &intake, consumed] { deliver(intake, consumed); });
    }

    void park(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed,
              const std::string& error) {
        intake.runtime.execute(
            {},
            [consumed, error](UnitOfWork& unit_of_work) {
                bus::park(unit_of_work, consumed->envelope, consumed->publisher, consumed->attempts,
                          error);
            },
            [this, &intake, consumed, error](std::exception_ptr failure) {
                const auto& envelope = consumed->envelope;
                if (failure) {
                    spdlog::error("kafka consumer of '{}': cannot park {}: {}",
                                  intake.runtime.name(), envelope.id, failure_text(failure));
                    const auto wait = messaging.policy().backoff(consumed->attempts);
                    retry_later(intake, consumed, wait, [this, &intake, consumed, error] {
                        park(intake, consumed, error);
                    });
                    return;
                }
                messaging.metrics()
                    .dead_lettered.with({envelope.type, intake.runtime.name()})
                    .inc();
                spdlog::error("{} {} from {} to '{}' parked as a dead letter after {} attempts: {}",
                              envelope.type, envelope.id, consumed->partition.first,
                              intake.runtime.name(), consumed->attempts, error);
                settle(intake, consumed);
            });
    }

    // Runs `again` on the module's strand after `wait`, unless the intake stops first: then
    // the message is left unsettled and consumed again after the restart.
    void retry_later(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed,
                     std::chrono::milliseconds wait, std::function<void()> again) {
        auto timer = std::make_shared<boost::asio::steady_timer>(intake.runtime.strand(), wait);
        bool armed = false;
        {
            std::lock_guard lock(intake.mutex);
            --intake.in_hands;
            armed = !intake.stopping;
            if (armed) {
                intake.retry_timers.insert(timer);
            }
        }
        intake.changed.notify_all();
        if (!armed) {
            return;
        }
        timer->async_wait([&intake, timer, consumed,
                           again = std::move(again)](const boost::system::error_code& error) {
            {
                std::lock_guard lock(intake.mutex);
                intake.retry_timers.erase(timer);
                if (!error) {
                    ++intake.in_hands;
                }
            }
            intake.changed.notify_all();
            if (!error) {
                again();
            }
        });
    }

    // The message is done with: its offset may be committed once those before it are, and the
    // next message of its aggregate goes on.
    void settle(ModuleIntake& intake, const std::shared_ptr<Consumed>& consumed) {
        std::shared_ptr<Consumed> next;
        std::int64_t committable = 0;
        {
            std::lock_guard lock(intake.mutex);
            auto& progress = intake.partitions[consumed->partition];
            progress.unsettled.erase(consumed->offset);
            committable = progress.committable();
            --intake.under_way;
            const auto lane = intake.lanes.find(consumed->envelope.aggregate_id);
            if (lane != intake.lanes.end() && !lane->second.empty() &&
                lane->second.front() == consumed) {
                --intake.in_hands;  // a skipped message never was in them
                lane->second.pop_front();
                if (lane->second.empty()) {
                    intake.lanes.erase(lane);
                } else {
                    next = lane->second.front();
                }
            }
        }
        intake.changed.notify_all();
        store_offset(intake, consumed->partition, committable);
        if (next) {
            begin(intake, next);
        }
    }

    static void store_offset(ModuleIntake& intake, const Partition& partition,
                             std::int64_t offset) {
        std::vector<RdKafka::TopicPartition*> offsets{
            RdKafka::TopicPartition::create(partition.first, partition.second, offset)};
        const auto error = intake.consumer->offsets_store(offsets);
        RdKafka::TopicPartition::destroy(offsets);
        // A partition the group moved to another process meanwhile: that one goes on from the
        // last commit, and its inbox recognises what was handled here.
        if (error != RdKafka::ERR_NO_ERROR && error != RdKafka::ERR__STATE) {
            spdlog::warn("kafka consumer of '{}': cannot store the offset: {}",
                         intake.runtime.name(), RdKafka::err2str(error));
        }
    }

    void start() {
        running = true;
        for (const auto& intake : intakes) {
            const auto error = intake->consumer->subscribe(intake->topics);
            if (error != RdKafka::ERR_NO_ERROR) {
                throw std::runtime_error(fmt::format("kafka consumer of '{}': cannot subscribe: {}",
                                                     intake->runtime.name(),
                                                     RdKafka::err2str(error)));
            }
            intake->thread = std::thread([this, module = intake.get()] { consume(*module); });
        }
    }

    void stop() {
        if (!running.exchange(false)) {
            return;
        }
        for (const auto& intake : intakes) {
            intake->changed.notify_all();
            intake->thread.join();
            std::unique_lock lock(intake->mutex);
            intake->stopping = true;
            for (const auto& timer : intake->retry_timers) {
                boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
            }
            // The messages in the module's hands finish; those waiting for a retry stay
            // unsettled, and are consumed again after the restart.
            intake->changed.wait(
                lock, [&] { return intake->in_hands == 0 && intake->retry_timers.empty(); });
            lock.unlock();
            intake->consumer->close();  // commits the stored offsets and leaves the group
        }
    }
};

KafkaIntake::KafkaIntake(const KafkaConfig& config, bus::Messaging& messaging,
                         telemetry::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(config, messaging, metrics)) {}

KafkaIntake::~KafkaIntake() = default;

std::vector<std::string> KafkaIntake::describe() const {
    std::vector<std::string> lines;
    for (const auto& intake : impl_->intakes) {
        std::string topics;
        for (const auto& topic : intake->topics) {
            topics += (topics.empty() ? "" : ", ") + topic;
        }
        lines.push_back(fmt::format("{}: {}", intake->runtime.name(), topics));
    }
    return lines;
}

bool KafkaIntake::assigned() const {
    return impl_->all_assigned();
}

void KafkaIntake::when_assigned(std::function<void()> then) {
    {
        std::lock_guard lock(impl_->assignment_mutex);
        if (!impl_->all_assigned()) {
            impl_->when_assigned.push_back(std::move(then));
            return;
        }
    }
    then();
}

void KafkaIntake::start() {
    impl_->start();
}

void KafkaIntake::stop() {
    impl_->stop();
}

}  // namespace shopd::relay
