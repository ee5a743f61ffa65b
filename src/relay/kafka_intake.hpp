#pragma once

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
// to the module through its inbox, as the dispatcher does in-process. A message's offset is
// stored for commit only after the handler's transaction committed, so a crash redelivers it
// and the inbox makes the second delivery a no-op. A failing handler is retried with the
// delivery backoff, holding back its partition.
class KafkaIntake {
  public:
    // Throws config::ConfigError when librdkafka refuses a setting of [kafka].
    KafkaIntake(const KafkaConfig& config, bus::Messaging& messaging,
                telemetry::MetricsRegistry& metrics);
    ~KafkaIntake();

    // The topics each consuming module reads, as "module: topic, topic"; empty when every
    // publisher is hosted here.
    std::vector<std::string> describe() const;

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
