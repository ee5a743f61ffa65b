#include "relay/kafka_intake.hpp"

#include <condition_variable>
#include <fmt/format.h>
#include <future>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>
#include <thread>

#include "bus/intake_parking.hpp"
#include "bus/messaging.hpp"
#include "bus/module_runtime.hpp"
#include "config/config_loader.hpp"
#include "relay/kafka_client.hpp"
#include "relay/kafka_record.hpp"
#include "telemetry/logging.hpp"
#include "telemetry/metrics.hpp"
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

// The topics of the modules hosted elsewhere that publish something `module` handles.
std::set<std::string> topics_for(const KafkaConfig& config, const bus::Messaging& messaging,
                                 const std::string& module) {
    std::set<std::string> topics;
    for (const auto& [publisher, type] : messaging.handled_from_elsewhere(module)) {
        topics.insert(topic_of(config, publisher));
    }
    return topics;
}

}  // namespace

// One hosted module's consumer and the thread that drives it.
struct ModuleIntake {
    bus::ModuleRuntime& runtime;
    std::vector<std::string> topics;
    telemetry::Counter& consumed;
    telemetry::Counter& failed;
    std::unique_ptr<ClientEvents> events;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer;
    std::thread thread;
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
        for (auto* runtime : messaging.modules()) {
            const auto topics = topics_for(config, messaging, runtime->name());
            if (topics.empty()) {
                continue;
            }
            auto intake = std::make_unique<ModuleIntake>(
                ModuleIntake{*runtime,
                             {topics.begin(), topics.end()},
                             consumed.with({runtime->name()}),
                             failed.with({runtime->name()}),
                             std::make_unique<ClientEvents>("consumer of " + runtime->name()),
                             nullptr,
                             {}});
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
                throw shopd::config::ConfigError(fmt::format(
                    "kafka: cannot create the consumer of '{}': {}", runtime->name(), error));
            }
            intakes.push_back(std::move(intake));
        }
    }

    KafkaConfig config;
    bus::Messaging& messaging;
    std::vector<std::unique_ptr<ModuleIntake>> intakes;
    std::mutex mutex;
    std::condition_variable stopping;
    bool running = false;  // under mutex

    bool still_running() {
        std::lock_guard lock(mutex);
        return running;
    }

    void consume(ModuleIntake& intake) {
        while (still_running()) {
            std::unique_ptr<RdKafka::Message> message{intake.consumer->consume(200)};
            switch (message->err()) {
                case RdKafka::ERR_NO_ERROR:
                    handle(intake, *message);
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

    // Hands one message to the module until it is handled (or shopd stops), then lets its
    // offset be committed.
    void handle(ModuleIntake& intake, RdKafka::Message& message) {
        const auto& module = intake.runtime.name();
        Envelope envelope;
        try {
            envelope = envelope_of(record_of(message));
        } catch (const std::invalid_argument& error) {
            intake.failed.inc();
            spdlog::error(
                "kafka consumer of '{}': {} [{}] offset {} is not a shopd message ({}); "
                "skipped",
                module, message.topic_name(), message.partition(), message.offset(), error.what());
            store_offset(intake, message);
            return;
        }
        if (messaging.bus().subscription(module, envelope.type) == nullptr) {
            store_offset(intake, message);  // a message of that topic this module ignores
            return;
        }
        telemetry::CorrelationScope scope(envelope.correlation_id);
        const auto publisher = message.topic_name().substr(config.topic_prefix.size() + 1);
        const auto& policy = messaging.policy();
        for (int attempt = 1;; ++attempt) {
            const auto failure = deliver(intake, envelope, publisher);
            if (!failure) {
                store_offset(intake, message);
                return;
            }
            intake.failed.inc();
            if (attempt >= policy.max_attempts &&
                park(intake, envelope, publisher, attempt, *failure)) {
                spdlog::error(
                    "{} {} from {} to '{}' parked as a dead letter after {} attempts: "
                    "{}",
                    envelope.type, envelope.id, message.topic_name(), module, attempt, *failure);
                store_offset(intake, message);
                return;
            }
            const auto wait = policy.backoff(attempt);
            spdlog::warn("{} {} from {} to '{}' failed (attempt {}), retrying in {} ms: {}",
                         envelope.type, envelope.id, message.topic_name(), module, attempt,
                         wait.count(), *failure);
            std::unique_lock lock(mutex);
            if (stopping.wait_for(lock, wait, [this] { return !running; })) {
                return;  // not stored: consumed again after the restart
            }
        }
    }

    using Run = void (bus::ModuleRuntime::*)(bus::MessageContext,
                                             std::function<void(bus::UnitOfWork&)>,
                                             std::function<void(std::exception_ptr)>);

    // Runs `work` on the module (ModuleRuntime::read or ::execute) and waits until it is done.
    static std::exception_ptr run(ModuleIntake& intake, Run how,
                                  std::function<void(bus::UnitOfWork&)> work) {
        auto finished = std::make_shared<std::promise<std::exception_ptr>>();
        auto result = finished->get_future();
        (intake.runtime.*how)({}, std::move(work), [finished](std::exception_ptr failure) {
            finished->set_value(failure);
        });
        return result.get();
    }

    // Hands the envelope to the module, or holds it behind a parked message of its aggregate;
    // the error when neither happened.
    std::optional<std::string> deliver(ModuleIntake& intake, const Envelope& envelope,
                                       const std::string& publisher) {
        // Usually nothing is parked: one read, and no transaction, tells.
        bool behind = false;
        if (const auto failure =
                run(intake, &bus::ModuleRuntime::read, [&](bus::UnitOfWork& unit_of_work) {
                    behind = bus::waits_behind_parked(unit_of_work.statements(), envelope);
                })) {
            return failure_text(failure);
        }
        if (behind) {
            // Looked at again in the unit of work that holds it: a replay may have emptied the
            // queue meanwhile.
            bool held = false;
            if (const auto failure =
                    run(intake, &bus::ModuleRuntime::execute, [&](bus::UnitOfWork& unit_of_work) {
                        held = bus::hold_behind_parked(unit_of_work, envelope, publisher);
                    })) {
                return failure_text(failure);
            }
            if (held) {
                return std::nullopt;
            }
        }
        auto outcome = std::make_shared<std::promise<bus::DeliveryResult>>();
        auto result = outcome->get_future();
        intake.runtime.receive(envelope, [outcome](bus::DeliveryResult delivery) {
            outcome->set_value(std::move(delivery));
        });
        const auto delivery = result.get();
        if (delivery.status == bus::DeliveryResult::Status::failed) {
            return delivery.error;
        }
        intake.consumed.inc();
        messaging.metrics().delivered.with({envelope.type, intake.runtime.name()}).inc();
        return std::nullopt;
    }

    bool park(ModuleIntake& intake, const Envelope& envelope, const std::string& publisher,
              int attempts, const std::string& error) {
        const auto failure =
            run(intake, &bus::ModuleRuntime::execute, [&](bus::UnitOfWork& unit_of_work) {
                bus::park(unit_of_work, envelope, publisher, attempts, error);
            });
        if (failure) {
            spdlog::error("kafka consumer of '{}': cannot park {}: {}", intake.runtime.name(),
                          envelope.id, failure_text(failure));
            return false;
        }
        messaging.metrics().dead_lettered.with({envelope.type, intake.runtime.name()}).inc();
        return true;
    }

    static void store_offset(ModuleIntake& intake, const RdKafka::Message& message) {
        std::vector<RdKafka::TopicPartition*> offsets{RdKafka::TopicPartition::create(
            message.topic_name(), message.partition(), message.offset() + 1)};
        const auto error = intake.consumer->offsets_store(offsets);
        RdKafka::TopicPartition::destroy(offsets);
        if (error != RdKafka::ERR_NO_ERROR) {
            spdlog::warn("kafka consumer of '{}': cannot store the offset: {}",
                         intake.runtime.name(), RdKafka::err2str(error));
        }
    }

    void start() {
        {
            std::lock_guard lock(mutex);
            running = true;
        }
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
        {
            std::lock_guard lock(mutex);
            if (!running) {
                return;
            }
            running = false;
        }
        stopping.notify_all();
        for (const auto& intake : intakes) {
            intake->thread.join();
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

void KafkaIntake::start() {
    impl_->start();
}

void KafkaIntake::stop() {
    impl_->stop();
}

}  // namespace shopd::relay
