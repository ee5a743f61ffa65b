#pragma once

#include <filesystem>

namespace shopd::store {

// The data directory's shopd.lock, held (flock) while one process uses the databases there:
// two processes writing one set of databases would each believe it alone holds the outboxes.
// The holder's pid is written into the file for the message the next one gets.
class DirectoryLock {
  public:
    // Creates the directory when missing; throws StoreError when it is held or cannot be made.
    explicit DirectoryLock(const std::filesystem::path& directory);
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

  private:
    int descriptor_ = -1;
};

}  // namespace shopd::store
