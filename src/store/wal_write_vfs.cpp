#include "store/wal_write_vfs.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <sqlite3.h>
#include <stdexcept>
#include <string>

namespace shopd::store {
namespace {

constexpr const char* kVfsName = "shopd-wal-write";
// The WAL file format: a 32-byte log header, then frames of a 24-byte header and one page.
// Bytes 4-7 of a frame header hold the database size after a commit, zero in other frames.
constexpr int kFrameHeaderBytes = 24;
constexpr std::size_t kMaxGathered = 4 << 20;
// The default VFS writes at most 128 KiB in one call (SQLite never asks it for more).
constexpr std::size_t kMaxWrite = 64 << 10;

sqlite3_vfs* default_vfs = nullptr;

// What SQLite holds for an open file: ours first, the default VFS's file right behind it.
struct File {
    sqlite3_file base;
    sqlite3_file* real;
    std::string* gathered;  // a write-ahead log's frames not yet written; null for other files
    sqlite3_int64 gathered_at;
    bool commit_frame_next;  // the last write was a commit frame's header: its page ends the commit
};

File& file_of(sqlite3_file* file) {
    return *reinterpret_cast<File*>(file);
}

const sqlite3_io_methods& real_methods(File& file) {
    return *file.real->pMethods;
}

int write_gathered(File& file) {
    if (file.gathered == nullptr || file.gathered->empty()) {
        return SQLITE_OK;
    }
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < file.gathered->size() && rc == SQLITE_OK; done += kMaxWrite) {
        const auto amount = std::min(kMaxWrite, file.gathered->size() - done);
        rc = real_methods(file).xWrite(file.real, file.gathered->data() + done,
                                       static_cast<int>(amount),
                                       file.gathered_at + static_cast<sqlite3_int64>(done));
    }
    file.gathered->clear();
    file.commit_frame_next = false;
    return rc;
}

bool is_commit_frame_header(const void* data, int amount) {
    if (amount != kFrameHeaderBytes) {
        return false;
    }
    unsigned char database_pages[4];
    std::memcpy(database_pages, static_cast<const unsigned char*>(data) + 4, 4);
    return (database_pages[0] | database_pages[1] | database_pages[2] | database_pages[3]) != 0;
}

int write(sqlite3_file* handle, const void* data, int amount, sqlite3_int64 offset) {
    auto& file = file_of(handle);
    if (file.gathered == nullptr) {
        return real_methods(file).xWrite(file.real, data, amount, offset);
    }
    auto& gathered = *file.gathered;
    const auto end = file.gathered_at + static_cast<sqlite3_int64>(gathered.size());
    if (!gathered.empty() && offset != end) {
        // Not an append (a rewritten frame, the log restarting): what came before goes first.
        if (const int rc = write_gathered(file); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (gathered.empty()) {
        file.gathered_at = offset;
    }
    gathered.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
    if (file.commit_frame_next || gathered.size() >= kMaxGathered) {
        return write_gathered(file);
    }
    file.commit_frame_next = is_commit_frame_header(data, amount);
    return SQLITE_OK;
}

int close(sqlite3_file* handle) {
    auto& file = file_of(handle);
    const int written = write_gathered(file);
    const int closed = real_methods(file).xClose(file.real);
    delete file.gathered;
    file.gathered = nullptr;
    return written != SQLITE_OK ? written : closed;
}

// The default VFS's `Method` on the real file.
template <auto Method, class Result, class... Args>
Result forwarded(sqlite3_file* handle, Args... args) {
    auto& file = file_of(handle);
    return (real_methods(file).*Method)(file.real, args...);
}

// The same, once the gathered frames are written: what reads, syncs or measures the log must
// find them in it.
template <auto Method, class Result, class... Args>
Result after_gathered(sqlite3_file* handle, Args... args) {
    if (const int rc = write_gathered(file_of(handle)); rc != SQLITE_OK) {
        return rc;
    }
    return forwarded<Method, Result>(handle, args...);
}

using Methods = sqlite3_io_methods;
constexpr Methods kMethods = {
    3,
    close,
    after_gathered<&Methods::xRead>,
    write,
    after_gathered<&Methods::xTruncate>,
    after_gathered<&Methods::xSync>,
    after_gathered<&Methods::xFileSize>,
    forwarded<&Methods::xLock>,
    forwarded<&Methods::xUnlock>,
    forwarded<&Methods::xCheckReservedLock>,
    forwarded<&Methods::xFileControl>,
    forwarded<&Methods::xSectorSize>,
    forwarded<&Methods::xDeviceCharacteristics>,
    forwarded<&Methods::xShmMap>,
    forwarded<&Methods::xShmLock>,
    forwarded<&Methods::xShmBarrier>,
    forwarded<&Methods::xShmUnmap>,
    forwarded<&Methods::xFetch>,
    forwarded<&Methods::xUnfetch>,
};

int open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* handle, int flags,
         int* out_flags) {
    auto& file = file_of(handle);
    file.base.pMethods = nullptr;
    file.real = reinterpret_cast<sqlite3_file*>(&file + 1);
    file.gathered = nullptr;
    file.gathered_at = 0;
    file.commit_frame_next = false;
    const int rc = default_vfs->xOpen(default_vfs, name, file.real, flags, out_flags);
    if (rc != SQLITE_OK) {
        return rc;
    }
    if (file.real->pMethods == nullptr || file.real->pMethods->iVersion < kMethods.iVersion) {
        if (file.real->pMethods != nullptr) {
            file.real->pMethods->xClose(file.real);
        }
        return SQLITE_CANTOPEN;
    }
    if ((flags & SQLITE_OPEN_WAL) != 0) {
        file.gathered = new (std::nothrow) std::string;
        if (file.gathered == nullptr) {
            file.real->pMethods->xClose(file.real);
            return SQLITE_NOMEM;
        }
    }
    file.base.pMethods = &kMethods;
    return SQLITE_OK;
}

// The default VFS's `Method`: everything but opening a file is its own behaviour.
template <auto Method, class Result, class... Args>
Result by_default(sqlite3_vfs* /*vfs*/, Args... args) {
    return (default_vfs->*Method)(default_vfs, args...);
}

}  // namespace

const char* wal_write_vfs() {
    static std::once_flag once;
    std::call_once(once, [] {
        default_vfs = sqlite3_vfs_find(nullptr);
        if (default_vfs == nullptr || default_vfs->iVersion < 2) {
            throw std::runtime_error("SQLite has no default VFS to build on");
        }
        static sqlite3_vfs vfs = {
            2,
            static_cast<int>(sizeof(File)) + default_vfs->szOsFile,
            default_vfs->mxPathname,
            nullptr,
            kVfsName,
            nullptr,
            open,
            by_default<&sqlite3_vfs::xDelete>,
            by_default<&sqlite3_vfs::xAccess>,
            by_default<&sqlite3_vfs::xFullPathname>,
            by_default<&sqlite3_vfs::xDlOpen>,
            by_default<&sqlite3_vfs::xDlError>,
            by_default<&sqlite3_vfs::xDlSym>,
            by_default<&sqlite3_vfs::xDlClose>,
            by_default<&sqlite3_vfs::xRandomness>,
            by_default<&sqlite3_vfs::xSleep>,
            by_default<&sqlite3_vfs::xCurrentTime>,
            by_default<&sqlite3_vfs::xGetLastError>,
            by_default<&sqlite3_vfs::xCurrentTimeInt64>,
            nullptr,  // version 3's system-call overrides: not offered
            nullptr,
            nullptr,
        };
        if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) {
            throw std::runtime_error("cannot register SQLite's WAL write VFS");
        }
    });
    return kVfsName;
}

}  // namespace shopd::store
