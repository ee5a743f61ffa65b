#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <shopd/config.hpp>

namespace shopd::bus {
class Messaging;
}
namespace shopd::telemetry {
class MetricsRegistry;
}

namespace shopd::relay {

// Produces every hosted module's outbox to Kafka, in outbox order, with an idempotent producer
// (acks=all). A row is marked relayed, in the module's own database, once the brokers
// acknowledged it; after a restart the relay resumes with the first unmarked row, so a row is
// produced at least once and, short of a crash between acknowledgement and mark, once.
class KafkaRelay {
  public:
    // Throws ConfigError when librdkafka refuses a setting of [kafka].
    KafkaRelay(const KafkaConfig& config, bus::Messaging& messaging,
               telemetry::MetricsRegistry& metrics);
    ~KafkaRelay();

    // Once the databases are open: counts each backlog and starts relaying.
    void start();
    // Produces nothing more and waits up to `flush_timeout` for acknowledgements; what stays
    // unacknowledged is produced again after the next start. Call while the executors run.
    void stop(std::chrono::milliseconds flush_timeout);

    // Whether the brokers answered the last look (every two seconds, and on librdkafka's
    // "all brokers down"); relaying pauses while they do not and the outbox accumulates.
    bool brokers_reachable() const;
    // Outbox rows not yet acknowledged, over all modules.
    std::int64_t backlog() const;
    const std::string& brokers() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shopd::relay
