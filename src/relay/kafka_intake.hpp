#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <shopd/config.hpp>

namespace shopd::bus {
class Messaging;
}
namespace shopd::telemetry {
class MetricsRegistry;
}

namespace shopd::relay {

// Split mode: for each hosted module that handles messages of modules hosted elsewhere, a
// consumer (group <topic_prefix>.<module>) reads those modules' topics and hands each message
// to the module through its inbox, as the dispatcher does in-process: messages of different
// aggregates commit together in the module's batches, one of each aggregate at a time. A
// message's offset is stored for commit only once it and every message before it in its
// partition are settled, so a crash redelivers it and the inbox makes the second delivery a
// no-op. A failing handler is retried with the delivery backoff on a timer, holding back only
// its own aggregate, and finally parked (at once for an aggregate its module does not know).
// With kafka.shop_id set, messages of another shop are skipped.
class KafkaIntake {
  public:
    // Throws ConfigError when librdkafka refuses a setting of [kafka].
    KafkaIntake(const KafkaConfig& config, bus::Messaging& messaging,
                telemetry::MetricsRegistry& metrics);
    ~KafkaIntake();

    // The topics each consuming module reads, as "module: topic, topic"; empty when every
    // publisher is hosted here.
    std::vector<std::string> describe() const;

    // Whether every consumer has been given its partitions by its group.
    bool assigned() const;
    // Calls `then` once assigned(): at once, or on the consumer thread that completed it.
    void when_assigned(std::function<void()> then);

    // Once the databases are open and messages flow.
    void start();
    // Lets each consumer finish the message in hand, then leaves the groups, committing what
    // was handled. Call while the executors run.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shopd::relay
