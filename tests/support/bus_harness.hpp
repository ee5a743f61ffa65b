#pragma once
// Hosts modules on a real Messaging with worker threads, without HTTP: for testing delivery
// semantics. Work runs on the modules' strands; wait_idle() pumps until nothing is pending.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <shopd/metrics.hpp>

#include "bus/messaging.hpp"
#include "store/database.hpp"
#include "store/platform_migrations.hpp"
#include "telemetry/tracer.hpp"

namespace shopd::testing {

// Quick retries so tests that exhaust them stay fast.
inline bus::DeliveryPolicy fast_retries(int max_attempts = 3) {
    return {std::chrono::milliseconds(5), std::chrono::milliseconds(20), max_attempts, 64};
}

// Polls `predicate` until it holds or `timeout` passes; true when it held.
template <class Predicate>
bool eventually(Predicate predicate,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

class BusHarness {
  public:
    explicit BusHarness(bus::DeliveryPolicy policy = fast_retries())
        : messaging_(bus, policy, metrics, clock, telemetry::Tracer::disabled()) {}
    ~BusHarness() { stop(); }

    bus::MessageBus bus;
    telemetry::MetricsRegistry metrics;
    ShopClock clock;
    bus::Messaging& messaging() { return messaging_; }

    bus::ModuleRuntime& host(const std::string& name, const std::vector<store::MigrationSet>& own,
                             const store::DatabaseLocation& location = {{}, true}) {
        auto& runtime = messaging_.host(name, io_.get_executor());
        auto database = store::open_database(location, Durability::normal);
        std::vector<store::MigrationSet> sets{store::platform_migrations()};
        sets.insert(sets.end(), own.begin(), own.end());
        store::apply_migrations(*database, sets);
        runtime.open(std::move(database));
        return runtime;
    }

    void start() {
        bus.validate();
        work_.emplace(io_.get_executor());
        for (int i = 0; i < 2; ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
        messaging_.start();
    }

    void stop() {
        if (threads_.empty()) {
            return;
        }
        messaging_.stop();
        work_.reset();
        for (auto& thread : threads_) {
            thread.join();
        }
        threads_.clear();
    }

    // Runs a unit of work on the module and waits for its commit; rethrows its failure.
    void execute(bus::ModuleRuntime& module, std::function<void(UnitOfWork&)> work) {
        std::promise<void> done;
        module.execute({}, std::move(work), [&done](std::exception_ptr failure) {
            failure ? done.set_exception(failure) : done.set_value();
        });
        done.get_future().get();
    }

    // Runs `read` on the module's strand and returns its result.
    template <class F>
    auto on(bus::ModuleRuntime& module, F read) -> decltype(read(module.database())) {
        using Result = decltype(read(module.database()));
        std::promise<Result> result;
        boost::asio::post(module.strand(), [&] {
            try {
                result.set_value(read(module.database()));
            } catch (...) {
                result.set_exception(std::current_exception());
            }
        });
        return result.get_future().get();
    }

    // Runs `write` on the module's strand between two batches, as the platform's own writes
    // outside a unit of work do.
    void between_batches(bus::ModuleRuntime& module, std::function<void(SQLite::Database&)> write) {
        std::promise<void> done;
        module.between_batches([&](SQLite::Database& database) {
            write(database);
            done.set_value();
        });
        done.get_future().get();
    }

    // Until no module has a delivery pending (delivered or parked).
    bool wait_idle(std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) {
        return eventually(
            [this] {
                for (const auto& entry : messaging_.backlog()) {
                    if (entry.pending != 0) {
                        return false;
                    }
                }
                return true;
            },
            timeout);
    }

  private:
    boost::asio::io_context io_;
    bus::Messaging messaging_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
};

}  // namespace shopd::testing
