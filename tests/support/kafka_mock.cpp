// shopd-kafka-mock: a Kafka cluster on loopback for the tests, librdkafka's mock cluster. It
// prints its bootstrap servers on one line, then obeys commands on stdin, one per line:
//   down    every broker refuses connections (and drops the open ones)
//   up      every broker accepts connections again
// It exits at the end of its input (or on any signal that ends a process).
//
//   shopd-kafka-mock [--brokers N]
#include <cstdlib>
#include <iostream>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <string>

int main(int argc, char** argv) {
    int brokers = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--brokers" && i + 1 < argc) {
            brokers = std::atoi(argv[++i]);
        } else {
            std::cerr << "usage: shopd-kafka-mock [--brokers N]\n";
            return 2;
        }
    }
    if (brokers < 1) {
        std::cerr << "shopd-kafka-mock: --brokers must be at least 1\n";
        return 2;
    }
    // The mock cluster lives inside a client instance; this one does nothing else.
    char error[512];
    auto* conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error) != RD_KAFKA_CONF_OK) {
        std::cerr << "shopd-kafka-mock: " << error << "\n";
        return 1;
    }
    auto* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (host == nullptr) {
        std::cerr << "shopd-kafka-mock: " << error << "\n";
        return 1;
    }
    auto* cluster = rd_kafka_mock_cluster_new(host, brokers);
    if (cluster == nullptr) {
        std::cerr << "shopd-kafka-mock: cannot start the mock cluster\n";
        return 1;
    }
    std::cout << rd_kafka_mock_cluster_bootstraps(cluster) << std::endl;

    std::string command;
    while (std::getline(std::cin, command)) {
        rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (command == "down" || command == "up") {
            for (int broker = 1; broker <= brokers && !result; ++broker) {
                result = command == "down" ? rd_kafka_mock_broker_set_down(cluster, broker)
                                           : rd_kafka_mock_broker_set_up(cluster, broker);
            }
        } else {
            std::cerr << "shopd-kafka-mock: unknown command '" << command << "'\n";
            continue;
        }
        std::cout << (result ? rd_kafka_err2str(result) : "ok") << std::endl;
    }
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(host);
    return 0;
}
