#include "relay/kafka_relay.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>
#include <thread>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/metrics.hpp>

#include "bus/messaging.hpp"
#include "bus/module_runtime.hpp"
#include "config/config_loader.hpp"
#include "relay/kafka_client.hpp"
#include "relay/kafka_record.hpp"
#include "telemetry/tracer.hpp"

namespace shopd::relay {
namespace {

using namespace std::chrono_literals;

// The unrelayed rows after the cursor, in outbox order, through the partial index.
constexpr auto kUnrelayedQuery = R"sql(
    SELECT seq, id, type, version, aggregatetype, aggregateid, occurred_at, correlation_id,
           causation_id, traceparent, payload, actor
    FROM outbox WHERE relayed_at IS NULL AND seq > ? ORDER BY seq LIMIT ?)sql";

constexpr auto kProbeInterval = 2s;
constexpr auto kProbeTimeout = 1500ms;
constexpr auto kRetryAfterFailure = 1s;

void* as_opaque(std::int64_t seq) {
    return reinterpret_cast<void*>(static_cast<std::intptr_t>(seq));
}

std::int64_t seq_of(const RdKafka::Message& message) {
    return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(message.msg_opaque()));
}

}  // namespace

// One module's outbox on its way to its topic.
struct ModuleRelay {
    ModuleRelay(bus::ModuleRuntime& module, std::string topic_name,
                telemetry::Counter& produced_counter, telemetry::Counter& errors_counter)
        : runtime(module),
          topic(std::move(topic_name)),
          produced(produced_counter),
          errors(errors_counter),
          retry_timer(module.strand()) {}

    bus::ModuleRuntime& runtime;
    const std::string topic;
    telemetry::Counter& produced;
    telemetry::Counter& errors;

    // On the strand: the last row handed to the producer. Rows up to it are not read again
    // unless a failure rewinds it.
    std::int64_t cursor = 0;
    boost::asio::steady_timer retry_timer;

    std::atomic<bool> pass_scheduled{false};
    std::atomic<bool> rewind{false};
    std::atomic<int> in_flight{0};
    std::atomic<std::int64_t> backlog{0};

    // Acknowledged rows waiting for their mark; one write at a time takes them all.
    std::mutex acknowledged_mutex;
    std::vector<std::int64_t> acknowledged;
    bool mark_queued = false;
};

struct KafkaRelay::Impl final : public RdKafka::DeliveryReportCb {
    Impl(const KafkaConfig& kafka, bus::Messaging& messaging, telemetry::MetricsRegistry& metrics)
        : config(kafka), events("producer") {
        auto conf = client_conf(config,
                                {{"enable.idempotence", "true"},
                                 {"acks", "all"},
                                 // The partitioner of the Java client: a key lands on the
                                 // same partition whichever client produced it.
                                 {"partitioner", "murmur2_random"},
                                 {"client.id", "shopd-relay"}},
                                events);
        std::string error;
        if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), error) !=
            RdKafka::Conf::CONF_OK) {
            throw std::logic_error(error);
        }
        producer.reset(RdKafka::Producer::create(conf.get(), error));
        if (!producer) {
            throw shopd::ConfigError(fmt::format("kafka: cannot create the producer: {}", error));
        }
        auto& produced = metrics.counter("shopd_relay_produced_total",
                                         "Outbox rows the Kafka brokers acknowledged.", {"module"});
        auto& errors = metrics.counter(
            "shopd_relay_errors_total",
            "Outbox rows Kafka did not take (they are produced again), by module.", {"module"});
        for (auto* runtime : messaging.modules()) {
            auto relay = std::make_unique<ModuleRelay>(*runtime, topic_of(config, runtime->name()),
                                                       produced.with({runtime->name()}),
                                                       errors.with({runtime->name()}));
            auto* module = relay.get();
            runtime->watch_outbox([this, module](std::size_t added) {
                module->backlog += static_cast<std::int64_t>(added);
                wake(*module);  // one pass for all the commits queued meanwhile
            });
            by_topic.emplace(relay->topic, module);
            relays.push_back(std::move(relay));
        }
        metrics.gauge("shopd_relay_backlog", "Outbox rows not yet acknowledged by Kafka.",
                      {"module"}, [this] {
                          std::vector<telemetry::GaugeSample> samples;
                          for (const auto& relay : relays) {
                              samples.push_back({{relay->runtime.name()},
                                                 static_cast<double>(relay->backlog.load())});
                          }
                          return samples;
                      });
        metrics.gauge("shopd_relay_brokers_reachable",
                      "1 while the Kafka brokers answer the relay, else 0.", {}, [this] {
                          return std::vector<telemetry::GaugeSample>{{{}, reachable() ? 1.0 : 0.0}};
                      });
    }

    KafkaConfig config;
    ClientEvents events;
    std::vector<std::unique_ptr<ModuleRelay>> relays;
    std::map<std::string, ModuleRelay*> by_topic;
    // Declared after the relays its delivery reports reach, so it goes first.
    std::unique_ptr<RdKafka::Producer> producer;
    std::atomic<bool> running{false};
    std::atomic<bool> probe_succeeded{true};
    std::atomic<bool> polling{false};
    std::thread poller;

    bool reachable() const { return probe_succeeded && !events.all_brokers_down(); }

    void start() {
        running = true;  // before the first pass is posted, which would otherwise do nothing
        for (const auto& relay : relays) {
            boost::asio::post(relay->runtime.strand(), [this, module = relay.get()] {
                auto& count = module->runtime.statements().get(
                    "SELECT count(*) FROM outbox WHERE relayed_at IS NULL");
                count.executeStep();
                module->backlog = count.getColumn(0).getInt64();
                count.reset();
                pass(*module);
            });
        }
        polling = true;
        poller = std::thread([this] { poll(); });
    }

    void stop(std::chrono::milliseconds flush_timeout) {
        if (!running.exchange(false)) {
            return;
        }
        producer->flush(static_cast<int>(flush_timeout.count()));
        polling = false;
        poller.join();
        for (const auto& relay : relays) {
            boost::asio::post(relay->runtime.strand(),
                              [module = relay.get()] { module->retry_timer.cancel(); });
        }
    }

    // Serves delivery reports and looks at the brokers every kProbeInterval.
    void poll() {
        auto next_probe = std::chrono::steady_clock::now();
        while (polling) {
            producer->poll(100);
            if (std::chrono::steady_clock::now() < next_probe) {
                continue;
            }
            RdKafka::Metadata* metadata = nullptr;
            const auto error = producer->metadata(false, nullptr, &metadata,
                                                  static_cast<int>(kProbeTimeout.count()));
            delete metadata;
            const bool answered = error == RdKafka::ERR_NO_ERROR;
            if (answered) {
                events.brokers_reached();
            }
            if (answered != probe_succeeded.exchange(answered)) {
                if (answered) {
                    spdlog::info("kafka: brokers {} reachable again; relaying the backlog",
                                 config.brokers);
                    for (const auto& relay : relays) {
                        wake(*relay);
                    }
                } else {
                    spdlog::warn("kafka: brokers {} unreachable ({}); the outbox accumulates",
                                 config.brokers, RdKafka::err2str(error));
                }
            }
            next_probe = std::chrono::steady_clock::now() + kProbeInterval;
        }
    }

    void wake(ModuleRelay& relay) {
        if (!relay.pass_scheduled.exchange(true)) {
            boost::asio::post(relay.runtime.strand(), [this, &relay] {
                relay.pass_scheduled = false;
                pass(relay);
            });
        }
    }

    void retry_later(ModuleRelay& relay, std::chrono::milliseconds delay) {
        relay.retry_timer.expires_after(delay);
        relay.retry_timer.async_wait([this, &relay](const boost::system::error_code& error) {
            if (!error) {
                pass(relay);
            }
        });
    }

    // On the strand: hands the next unrelayed rows to the producer, up to max_in_flight.
    void pass(ModuleRelay& relay) {
        if (!running) {
            return;
        }
        if (relay.rewind) {
            if (relay.in_flight > 0) {
                return;  // the last report in wakes the relay again
            }
            relay.rewind = false;
            relay.cursor = 0;
        }
        const int room = config.max_in_flight - relay.in_flight;
        if (room <= 0) {
            return;
        }
        try {
            auto& query = relay.runtime.statements().get(kUnrelayedQuery);
            query.bind(1, relay.cursor);
            query.bind(2, room);
            while (query.executeStep()) {
                const auto seq = query.getColumn(0).getInt64();
                Envelope envelope{query.getColumn(1).getString(), query.getColumn(2).getString(),
                                  query.getColumn(3).getInt(),    query.getColumn(4).getString(),
                                  query.getColumn(5).getString(), query.getColumn(6).getString(),
                                  query.getColumn(7).getString(), query.getColumn(8).getString(),
                                  query.getColumn(9).getString(), query.getColumn(10).getString(),
                                  query.getColumn(11).getString()};
                // The consumer's handling is a child of this send, within the message's trace.
                auto span = relay.runtime.tracer().start("send", envelope.type, SpanKind::producer,
                                                         envelope.traceparent);
                envelope.traceparent = span.traceparent();
                telemetry::describe_message(span, "kafka", "send", relay.topic, envelope);
                span.set("messaging.kafka.message.key", envelope.aggregate_id);
                if (!produce(relay, seq, record_of(envelope))) {
                    span.fail("the producer did not take the message");
                    break;
                }
                relay.cursor = seq;
                ++relay.in_flight;
            }
            query.reset();
        } catch (const std::exception& error) {
            spdlog::error("relay of '{}': cannot read the outbox: {}", relay.runtime.name(),
                          error.what());
            retry_later(relay, kRetryAfterFailure);
        }
    }

    // Hands one row to the producer; false (and a retry scheduled) when it did not take it.
    bool produce(ModuleRelay& relay, std::int64_t seq, const KafkaRecord& record) {
        auto* headers = RdKafka::Headers::create();
        for (const auto& [name, value] : record.headers) {
            headers->add(name, value);
        }
        if (!config.shop_id.empty()) {
            headers->add("shop_id", config.shop_id);
        }
        const auto error = producer->produce(
            relay.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
            const_cast<char*>(record.value.data()), record.value.size(), record.key.data(),
            record.key.size(), 0, headers, as_opaque(seq));
        if (error == RdKafka::ERR_NO_ERROR) {
            return true;
        }
        delete headers;  // the producer owns them only when it took the message
        if (error == RdKafka::ERR__QUEUE_FULL) {
            retry_later(relay, 50ms);
        } else {
            relay.errors.inc();
            spdlog::error("relay of '{}': cannot produce to {}: {}", relay.runtime.name(),
                          relay.topic, RdKafka::err2str(error));
            retry_later(relay, kRetryAfterFailure);
        }
        return false;
    }

    // On the poller (or in flush): the brokers' answer for one row.
    void dr_cb(RdKafka::Message& message) override {
        const auto found = by_topic.find(message.topic_name());
        if (found == by_topic.end()) {
            return;
        }
        auto& relay = *found->second;
        if (message.err() != RdKafka::ERR_NO_ERROR) {
            relay.errors.inc();
            spdlog::warn("relay of '{}': row {} not acknowledged ({}); producing it again",
                         relay.runtime.name(), seq_of(message), message.errstr());
            relay.rewind = true;
            if (--relay.in_flight == 0) {
                boost::asio::post(relay.runtime.strand(),
                                  [this, &relay] { retry_later(relay, kRetryAfterFailure); });
            }
            return;
        }
        bool queue_mark = false;
        {
            std::lock_guard lock(relay.acknowledged_mutex);
            relay.acknowledged.push_back(seq_of(message));
            queue_mark = !std::exchange(relay.mark_queued, true);
        }
        if (queue_mark) {
            mark_acknowledged(relay);
        }
        --relay.in_flight;
        wake(relay);
    }

    // Marks the acknowledged rows relayed in the module's next batch.
    void mark_acknowledged(ModuleRelay& relay) {
        auto rows = std::make_shared<std::vector<std::int64_t>>();
        relay.runtime.enqueue(
            [&relay, rows] {
                {
                    // Appended, not swapped: should the batch run this again, the rows taken
                    // the first time are marked too.
                    std::lock_guard lock(relay.acknowledged_mutex);
                    rows->insert(rows->end(), relay.acknowledged.begin(), relay.acknowledged.end());
                    relay.acknowledged.clear();
                    relay.mark_queued = false;
                }
                const auto now = rfc3339(relay.runtime.clock().now());
                for (const auto seq : *rows) {
                    store::exec(relay.runtime.statements(),
                                "UPDATE outbox SET relayed_at = ? WHERE seq = ?", now, seq);
                }
            },
            [this, &relay, rows](std::exception_ptr failure) {
                if (!failure) {
                    relay.backlog -= static_cast<std::int64_t>(rows->size());
                    relay.produced.inc(rows->size());
                    return;
                }
                // Unmarked, the rows are produced again: a duplicate rather than a gap.
                relay.errors.inc(rows->size());
                spdlog::error("relay of '{}': cannot mark {} rows relayed; producing them again",
                              relay.runtime.name(), rows->size());
                relay.rewind = true;
                wake(relay);
            });
    }
};

KafkaRelay::KafkaRelay(const KafkaConfig& config, bus::Messaging& messaging,
                       telemetry::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(config, messaging, metrics)) {}

KafkaRelay::~KafkaRelay() = default;

void KafkaRelay::start() {
    impl_->start();
}

void KafkaRelay::stop(std::chrono::milliseconds flush_timeout) {
    impl_->stop(flush_timeout);
}

bool KafkaRelay::brokers_reachable() const {
    return impl_->reachable();
}

std::int64_t KafkaRelay::backlog() const {
    std::int64_t total = 0;
    for (const auto& relay : impl_->relays) {
        total += relay->backlog;
    }
    return total;
}

const std::string& KafkaRelay::brokers() const {
    return impl_->config.brokers;
}

}  // namespace shopd::relay
