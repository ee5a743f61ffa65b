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

int read(sqlite3_file* handle, void* data, int amount, sqlite3_int64 offset) {
    auto& file = file_of(handle);
    if (const int rc = write_gathered(file); rc != SQLITE_OK) {
        return rc;
    }
    return real_methods(file).xRead(file.real, data, amount, offset);
}

int truncate(sqlite3_file* handle, sqlite3_int64 size) {
    auto& file = file_of(handle);
    if (const int rc = write_gathered(file); rc != SQLITE_OK) {
        return rc;
    }
    return real_methods(file).xTruncate(file.real, size);
}

int sync(sqlite3_file* handle, int flags) {
    auto& file = file_of(handle);
    if (const int rc = write_gathered(file); rc != SQLITE_OK) {
        return rc;
    }
    return real_methods(file).xSync(file.real, flags);
}

int file_size(sqlite3_file* handle, sqlite3_int64* size) {
    auto& file = file_of(handle);
    if (const int rc = write_gathered(file); rc != SQLITE_OK) {
        return rc;
    }
    return real_methods(file).xFileSize(file.real, size);
}

// The rest is the default VFS's own behaviour.
int lock(sqlite3_file* handle, int level) {
    auto& file = file_of(handle);
    return real_methods(file).xLock(file.real, level);
}
int unlock(sqlite3_file* handle, int level) {
    auto& file = file_of(handle);
    return real_methods(file).xUnlock(file.real, level);
}
int check_reserved_lock(sqlite3_file* handle, int* reserved) {
    auto& file = file_of(handle);
    return real_methods(file).xCheckReservedLock(file.real, reserved);
}
int file_control(sqlite3_file* handle, int op, void* argument) {
    auto& file = file_of(handle);
    return real_methods(file).xFileControl(file.real, op, argument);
}
int sector_size(sqlite3_file* handle) {
    auto& file = file_of(handle);
    return real_methods(file).xSectorSize(file.real);
}
int device_characteristics(sqlite3_file* handle) {
    auto& file = file_of(handle);
    return real_methods(file).xDeviceCharacteristics(file.real);
}
int shm_map(sqlite3_file* handle, int region, int size, int extend, void volatile** mapped) {
    auto& file = file_of(handle);
    return real_methods(file).xShmMap(file.real, region, size, extend, mapped);
}
int shm_lock(sqlite3_file* handle, int offset, int count, int flags) {
    auto& file = file_of(handle);
    return real_methods(file).xShmLock(file.real, offset, count, flags);
}
void shm_barrier(sqlite3_file* handle) {
    auto& file = file_of(handle);
    real_methods(file).xShmBarrier(file.real);
}
int shm_unmap(sqlite3_file* handle, int remove) {
    auto& file = file_of(handle);
    return real_methods(file).xShmUnmap(file.real, remove);
}
int fetch(sqlite3_file* handle, sqlite3_int64 offset, int amount, void** pages) {
    auto& file = file_of(handle);
    return real_methods(file).xFetch(file.real, offset, amount, pages);
}
int unfetch(sqlite3_file* handle, sqlite3_int64 offset, void* pages) {
    auto& file = file_of(handle);
    return real_methods(file).xUnfetch(file.real, offset, pages);
}

constexpr sqlite3_io_methods kMethods = {
    3,
    close,
    read,
    write,
    truncate,
    sync,
    file_size,
    lock,
    unlock,
    check_reserved_lock,
    file_control,
    sector_size,
    device_characteristics,
    shm_map,
    shm_lock,
    shm_barrier,
    shm_unmap,
    fetch,
    unfetch,
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

int remove_file(sqlite3_vfs*, const char* name, int sync_directory) {
    return default_vfs->xDelete(default_vfs, name, sync_directory);
}
int access(sqlite3_vfs*, const char* name, int flags, int* result) {
    return default_vfs->xAccess(default_vfs, name, flags, result);
}
int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
    return default_vfs->xFullPathname(default_vfs, name, size, out);
}
void* dl_open(sqlite3_vfs*, const char* name) {
    return default_vfs->xDlOpen(default_vfs, name);
}
void dl_error(sqlite3_vfs*, int size, char* message) {
    default_vfs->xDlError(default_vfs, size, message);
}
void (*dl_sym(sqlite3_vfs*, void* library, const char* symbol))() {
    return default_vfs->xDlSym(default_vfs, library, symbol);
}
void dl_close(sqlite3_vfs*, void* library) {
    default_vfs->xDlClose(default_vfs, library);
}
int randomness(sqlite3_vfs*, int size, char* out) {
    return default_vfs->xRandomness(default_vfs, size, out);
}
int sleep(sqlite3_vfs*, int microseconds) {
    return default_vfs->xSleep(default_vfs, microseconds);
}
int current_time(sqlite3_vfs*, double* now) {
    return default_vfs->xCurrentTime(default_vfs, now);
}
int last_error(sqlite3_vfs*, int size, char* message) {
    return default_vfs->xGetLastError(default_vfs, size, message);
}
int current_time_int64(sqlite3_vfs*, sqlite3_int64* now) {
    return default_vfs->xCurrentTimeInt64(default_vfs, now);
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
            remove_file,
            access,
            full_pathname,
            dl_open,
            dl_error,
            dl_sym,
            dl_close,
            randomness,
            sleep,
            current_time,
            last_error,
            current_time_int64,
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
