#include "app/snapshots.hpp"

#include <SQLiteCpp/Backup.h>
#include <algorithm>
#include <spdlog/spdlog.h>

#include "app/polling.hpp"
#include "util/failure.hpp"

namespace shopd {

namespace {

// How long deliveries under way may take to answer before a reset gives up.
constexpr std::chrono::seconds kDrainTimeout{30};

std::shared_ptr<SQLite::Database> copy_of(SQLite::Database& database) {
    auto copy = std::make_shared<SQLite::Database>(":memory:",
                                                   SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup(*copy, database).executeStep();
    return copy;
}

std::int64_t size_of(SQLite::Database& database) {
    return database.execAndGet("PRAGMA page_count").getInt64() *
           database.execAndGet("PRAGMA page_size").getInt64();
}

}  // namespace

void Snapshots::keep_initial(const std::string& module, SQLite::Database& database) {
    initial_[module] = copy_of(database);
}

void Snapshots::quiesced(std::function<void()> before, Step step, std::function<void(bool)> done) {
    parts_.messaging.stop();
    when(
        parts_.executor, [this] { return parts_.messaging.delivering() == 0; }, kDrainTimeout,
        [this, before = std::move(before), step = std::move(step),
         done = std::move(done)](bool drained) {
            auto& messaging = parts_.messaging;
            const auto modules = messaging.modules();
            if (!drained) {
                spdlog::error("test mode: deliveries still under way after {} s; nothing changed",
                              kDrainTimeout.count());
                messaging.start();
                done(false);
                return;
            }
            struct Countdown {
                std::mutex mutex;
                std::size_t left;
                bool succeeded = true;
            };
            auto countdown = std::make_shared<Countdown>();
            countdown->left = modules.size();
            before();
            for (auto* runtime : modules) {
                step(*runtime, [this, countdown, done](bool succeeded) {
                    {
                        std::lock_guard lock(countdown->mutex);
                        countdown->succeeded = countdown->succeeded && succeeded;
                        if (--countdown->left != 0) {
                            return;
                        }
                    }
                    parts_.messaging.start();
                    done(countdown->succeeded);
                });
            }
        });
}

std::vector<Snapshots::Snapshot>::const_iterator Snapshots::find(const std::string& name) const {
    return std::find_if(snapshots_.begin(), snapshots_.end(),
                        [&name](const Snapshot& snapshot) { return snapshot.info.name == name; });
}

void Snapshots::save(std::string name, std::function<void(Result<Info, errc>)> done) {
    if (!all_here_) {
        done(failure(errc::elsewhere));
        return;
    }
    if (busy_.exchange(true)) {
        done(failure(errc::busy));
        return;
    }
    {
        // Checked while busy: no other save can take the name meanwhile.
        std::lock_guard lock(mutex_);
        if (find(name) != snapshots_.end()) {
            busy_ = false;
            done(failure(errc::name_taken, {name}));
            return;
        }
    }
    // One slot per module, filled on its own strand.
    auto copies = std::make_shared<Copies>();
    for (const auto* runtime : parts_.messaging.modules()) {
        (*copies)[runtime->name()];
    }
    quiesced([] {},
             [copies](bus::ModuleRuntime& runtime, std::function<void(bool)> copied) {
                 runtime.between_batches([&slot = copies->at(runtime.name()), &runtime,
                                          copied = std::move(copied)](SQLite::Database& database) {
                     try {
                         slot = copy_of(database);
                     } catch (const std::exception& error) {
                         spdlog::error("test mode: cannot copy the database of '{}': {}",
                                       runtime.name(), error.what());
                         copied(false);
                         return;
                     }
                     copied(true);
                 });
             },
             [this, name = std::move(name), copies, done = std::move(done)](bool succeeded) {
                 if (!succeeded) {
                     busy_ = false;
                     done(failure(errc::failed));
                     return;
                 }
                 Snapshot snapshot{{name, rfc3339(parts_.clock.now()), 0}, std::move(*copies)};
                 for (const auto& [module, copy] : snapshot.copies) {
                     snapshot.info.bytes += size_of(*copy);
                 }
                 {
                     std::lock_guard lock(mutex_);
                     snapshots_.push_back(snapshot);
                 }
                 busy_ = false;
                 done(snapshot.info);
             });
}

void Snapshots::restore(std::optional<std::string> name,
                        std::function<void(Result<void, errc>)> done) {
    if (!all_here_) {
        done(failure(errc::elsewhere));
        return;
    }
    Copies copies = initial_;
    if (name) {
        std::lock_guard lock(mutex_);
        const auto found = find(*name);
        if (found == snapshots_.end()) {
            done(failure(errc::unknown, {*name}));
            return;
        }
        copies = found->copies;
    }
    if (busy_.exchange(true)) {
        done(failure(errc::busy));
        return;
    }
    quiesced(
        parts_.starting_over,
        [this, copies = std::move(copies)](bus::ModuleRuntime& runtime,
                                           std::function<void(bool)> replaced) {
            const auto copy = copies.at(runtime.name());
            runtime.replace_contents(
                [copy](SQLite::Database& database) {
                    SQLite::Backup(database, *copy).executeStep();
                },
                [this, &runtime, replaced = std::move(replaced)](std::exception_ptr failure) {
                    if (failure) {
                        spdlog::error("test mode: cannot restore the database of '{}': {}",
                                      runtime.name(), failure_text(failure));
                        replaced(false);
                        return;
                    }
                    parts_.forget(runtime.name());
                    replaced(true);
                });
        },
        [this, done = std::move(done)](bool succeeded) {
            busy_ = false;
            done(succeeded ? Result<void, errc>{} : failure(errc::failed));
        });
}

std::vector<Snapshots::Info> Snapshots::list() const {
    std::vector<Info> infos;
    std::lock_guard lock(mutex_);
    for (const auto& snapshot : snapshots_) {
        infos.push_back(snapshot.info);
    }
    return infos;
}

bool Snapshots::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    const auto found = find(name);
    if (found == snapshots_.end()) {
        return false;
    }
    snapshots_.erase(found);
    return true;
}

}  // namespace shopd
