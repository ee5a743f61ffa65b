#include "store/directory_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include "store/database.hpp"

namespace shopd::store {

DirectoryLock::DirectoryLock(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
        throw StoreError(fmt::format("data directory {}: {}", directory.string(), error.message()));
    }
    const auto path = directory / "shopd.lock";
    descriptor_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (descriptor_ < 0) {
        throw StoreError(
            fmt::format("data directory {}: {}", directory.string(), std::strerror(errno)));
    }
    if (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0) {
        char holder[32] = {};
        [[maybe_unused]] const auto read = ::pread(descriptor_, holder, sizeof holder - 1, 0);
        ::close(descriptor_);
        descriptor_ = -1;
        throw StoreError(fmt::format("data directory {} is in use by another shopd (pid {})",
                                     directory.string(), std::string{holder}));
    }
    const auto pid = std::to_string(::getpid());
    if (::ftruncate(descriptor_, 0) != 0 || ::pwrite(descriptor_, pid.data(), pid.size(), 0) < 0) {
        spdlog::warn("data directory {}: cannot record the pid in {}", directory.string(),
                     path.string());
    }
}

DirectoryLock::~DirectoryLock() {
    if (descriptor_ >= 0) {
        ::close(descriptor_);
    }
}

}  // namespace shopd::store
