#pragma once

#include <SQLiteCpp/Database.h>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <shopd/config.hpp>

namespace shopd::store {

// Copies the databases' write-ahead logs back into their files on a thread of its own.
//
// Left to SQLite, the commit that lets a log pass 1,000 pages copies it back itself, on the
// module's strand and with an fsync of the database file, and every unit of work queued behind
// it waits. Here a commit only counts the log's pages; each time `background_pages` more have
// come since the last copy, this thread copies what it can without blocking anyone, from a
// connection of its own. The commit that lets a log pass `commit_pages` copies the rest back as
// SQLite would, and the log starts over: under steady load that is how a log ends, since a log
// only starts over when a transaction begins after it was copied whole.
class Checkpointer {
  public:
    explicit Checkpointer(int background_pages = 1000, int commit_pages = 16000);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // Takes over the checkpoints of `database`, a file opened by open_database, which must stay
    // open until stop(). Before the first commit to it.
    void watch(SQLite::Database& database, const std::filesystem::path& file,
               Durability durability);
    // Returns once the thread has made every copy asked of it by the commits so far.
    void wait_until_idle();
    // Ends the thread and closes its connections: the writers' own close then checkpoints last.
    void stop();

  private:
    struct Log;
    static int committed(void* log, sqlite3* writer, const char* schema, int pages);
    void run();
    void checkpoint(Log& log);

    const int background_pages_;
    const int commit_pages_;
    std::mutex mutex_;
    std::condition_variable wanted_;
    std::condition_variable idle_;
    bool copying_ = false;                    // under mutex_
    std::vector<std::unique_ptr<Log>> logs_;  // under mutex_ while the thread runs
    bool stopping_ = false;                   // under mutex_
    std::thread thread_;
};

}  // namespace shopd::store
