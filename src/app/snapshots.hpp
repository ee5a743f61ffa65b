#pragma once
// Test mode: the whole shop's state put aside and brought back. Every hosted module's database
// is copied with SQLite's online backup at one point where messages do not flow and none is
// half-delivered; a reset brings back the state of a new data directory, kept while opening.
// Snapshots live in memory, as long as the process.

#include <SQLiteCpp/Database.h>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/result.hpp>

#include "bus/messaging.hpp"

namespace shopd {

struct SnapshotParts {
    bus::Messaging& messaging;
    const ShopClock& clock;
    boost::asio::any_io_executor executor;  // where the wait for deliveries under way is timed
    // Once messages stopped, before any database is replaced: the old state's answers and
    // records are to be dropped from now on.
    std::function<void()> starting_over;
    // On the module's strand, once its database was replaced: what it keeps elsewhere goes.
    std::function<void(const std::string& module)> forget;
};

class Snapshots {
  public:
    enum class errc {
        unknown = 1,  // no snapshot of that name
        name_taken,
        busy,       // a reset or a snapshot is under way
        elsewhere,  // a module runs in another process: its state is not here to keep
        failed,     // SQLite refused the copy; the log says why
    };
    struct Info {
        std::string name;
        std::string created_at;  // on the shop clock
        std::int64_t bytes = 0;
    };

    explicit Snapshots(SnapshotParts parts) : parts_(std::move(parts)) {}

    // While opening, before anything runs: `database` as a new data directory has it.
    void keep_initial(const std::string& module, SQLite::Database& database);
    // False when a module is hosted elsewhere (then nothing can be reset).
    void all_modules_here(bool here) { all_here_ = here; }

    // `done` runs once, on some module's strand or the executor.
    void save(std::string name, std::function<void(Result<Info, errc>)> done);
    // Every module's data as in the snapshot `name`, or as new without one.
    void restore(std::optional<std::string> name, std::function<void(Result<void, errc>)> done);
    std::vector<Info> list() const;
    bool remove(const std::string& name);

  private:
    using Copies = std::map<std::string, std::shared_ptr<SQLite::Database>>;  // by module
    struct Snapshot {
        Info info;
        Copies copies;
    };
    using Step = std::function<void(bus::ModuleRuntime&, std::function<void(bool)> done)>;

    // Stops the messages, waits for the deliveries under way, runs `before` and then `step`
    // for every module, lets messages flow again, then calls `done` with whether every step
    // succeeded.
    void quiesced(std::function<void()> before, Step step, std::function<void(bool)> done);

    SnapshotParts parts_;
    bool all_here_ = true;
    std::atomic<bool> busy_{false};
    mutable std::mutex mutex_;         // guards snapshots_
    std::vector<Snapshot> snapshots_;  // in the order they were taken
    std::vector<Snapshot>::const_iterator find(const std::string& name) const;
    Copies initial_;
};

}  // namespace shopd
