#include "bus/module_runtime.hpp"

#include <SQLiteCpp/Transaction.h>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "bus/messaging.hpp"
#include "telemetry/logging.hpp"
#include "util/clock.hpp"
#include "util/ids.hpp"

namespace shopd::bus {

std::chrono::milliseconds DeliveryPolicy::backoff(int failed_attempts) const {
    auto wait = retry_base;
    for (int i = 1; i < failed_attempts && wait < retry_cap; ++i) {
        wait *= 2;
    }
    return std::min(wait, retry_cap);
}

ModuleRuntime::ModuleRuntime(std::string name, Messaging& messaging,
                             boost::asio::any_io_executor executor)
    : name_(std::move(name)),
      messaging_(messaging),
      strand_(boost::asio::make_strand(std::move(executor))),
      dispatcher_(*this, messaging) {}

ModuleRuntime::~ModuleRuntime() = default;

void ModuleRuntime::open(std::unique_ptr<SQLite::Database> database) {
    database_ = std::move(database);
    statements_.emplace(*database_);
    auto& count = statements_->get(
        "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'parked'), 0) "
        "FROM outbox_delivery");
    count.executeStep();
    pending_deliveries_ = count.getColumn(0).getInt64();
    parked_deliveries_ = count.getColumn(1).getInt64();
    count.reset();
}

void ModuleRuntime::close() {
    statements_.reset();
    database_.reset();
}

const MessageBus& ModuleRuntime::bus() const {
    return messaging_.bus();
}

bool ModuleRuntime::is_hosted(std::string_view module) const {
    return messaging_.find(module) != nullptr;
}

void ModuleRuntime::execute(MessageContext context, std::function<void(UnitOfWork&)> work,
                            std::function<void(std::exception_ptr)> done) {
    boost::asio::post(strand_, [this, context = std::move(context), work = std::move(work),
                                done = std::move(done)]() mutable {
        std::exception_ptr failure;
        try {
            telemetry::CorrelationScope scope(context.correlation_id);
            SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
            UnitOfWork unit_of_work(*this, std::move(context));
            work(unit_of_work);
            transaction.commit();
            committed(unit_of_work);
        } catch (...) {
            failure = std::current_exception();
        }
        done(failure);
    });
}

DeliveryResult ModuleRuntime::handle(const Envelope& envelope) {
    const auto* subscription = bus().subscription(name_, envelope.type);
    if (subscription == nullptr) {
        return {DeliveryResult::Status::failed,
                fmt::format("module '{}' has no handler for '{}'", name_, envelope.type)};
    }
    try {
        telemetry::CorrelationScope scope(envelope.correlation_id);
        SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
        auto& seen = statements_->get("SELECT 1 FROM inbox WHERE message_id = ?");
        seen.bind(1, envelope.id);
        const bool duplicate = seen.executeStep();
        seen.reset();
        if (duplicate) {
            transaction.commit();
            return {DeliveryResult::Status::duplicate, {}};
        }
        UnitOfWork unit_of_work(*this, MessageContext{envelope.correlation_id, envelope.id,
                                                      child_traceparent(envelope.traceparent)});
        subscription->handler(unit_of_work, envelope);
        auto& record =
            statements_->get("INSERT INTO inbox (message_id, type, handled_at) VALUES (?, ?, ?)");
        record.bind(1, envelope.id);
        record.bind(2, envelope.type);
        record.bind(3, rfc3339());
        record.exec();
        transaction.commit();
        committed(unit_of_work);
        return {DeliveryResult::Status::delivered, {}};
    } catch (const std::exception& error) {
        return {DeliveryResult::Status::failed, error.what()};
    }
}

void ModuleRuntime::committed(UnitOfWork& unit_of_work) {
    for (auto& action : unit_of_work.take_after_commit()) {
        try {
            action();
        } catch (const std::exception& error) {
            spdlog::error("{}: after-commit action failed: {}", name_, error.what());
        }
    }
    if (unit_of_work.published().empty()) {
        return;
    }
    for (const auto& message : unit_of_work.published()) {
        messaging_.metrics().published.with({message.type}).inc();
        pending_deliveries_ += message.deliveries;
    }
    dispatcher_.wake();
}

struct ModuleRuntime::Periodic {
    Periodic(Strand& strand, std::chrono::milliseconds every, std::function<void()> work)
        : timer(strand), interval(every), tick(std::move(work)) {}
    boost::asio::steady_timer timer;
    std::chrono::milliseconds interval;
    std::function<void()> tick;
    bool running = false;  // only touched on the strand

    void arm(const std::shared_ptr<Periodic>& self) {
        timer.expires_after(interval);
        timer.async_wait([self](const boost::system::error_code& error) {
            if (error || !self->running) {
                return;
            }
            try {
                self->tick();
            } catch (const std::exception& failure) {
                spdlog::error("periodic work failed: {}", failure.what());
            }
            self->arm(self);
        });
    }
};

void ModuleRuntime::every(std::chrono::milliseconds interval, std::function<void()> tick) {
    periodic_.push_back(std::make_shared<Periodic>(strand_, interval, std::move(tick)));
}

void ModuleRuntime::start_periodic() {
    for (const auto& periodic : periodic_) {
        boost::asio::post(strand_, [periodic] {
            periodic->running = true;
            periodic->arm(periodic);
        });
    }
}

void ModuleRuntime::stop_periodic() {
    for (const auto& periodic : periodic_) {
        boost::asio::post(strand_, [periodic] {
            periodic->running = false;
            periodic->timer.cancel();
        });
    }
}

}  // namespace shopd::bus
