#pragma once
// API keys: made, listed, revoked and checked. A key reads shopd_<id>_<secret>: the prefix
// and the id make a leaked one recognisable, the secret is 32 random bytes. Only its SHA-256
// is kept. Keys are checked from memory; the last use of each is written back at most once a
// minute (flush_last_used).

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <shopd/roles.hpp>

#include "store/database.hpp"

namespace SQLite {
class Database;
}

namespace shopd::auth {

struct KeyRecord {
    std::string id;
    std::string name;
    Role role = Role::customer;
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> expires_ms;
    std::optional<std::int64_t> last_used_ms;
};

struct NewKey {
    KeyRecord record;
    std::string key;  // the only copy of the key
};

// A key request that cannot be done: a name taken or malformed, an unknown key. The message
// says which.
class KeyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A key as listed: id, name, role, created_at, expires_at, last_used_at (RFC 3339).
boost::json::object key_json(const KeyRecord& key);
// `ms` since the epoch as RFC 3339.
std::string rfc3339_ms(std::int64_t ms);

// 1-64 letters, digits, '.', '_' or '-'.
bool valid_key_name(std::string_view name);

// "90m", "12h", "30d" as a duration; nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_lifetime(std::string_view text);

class KeyStore {
  public:
    // Opens (and migrates) the keys' database; throws store::StoreError.
    explicit KeyStore(const store::DatabaseLocation& location);
    ~KeyStore();

    // Makes a key. Throws KeyError.
    NewKey create(const std::string& name, Role role,
                  std::optional<std::chrono::milliseconds> lifetime, std::int64_t now_ms);
    // Revokes the live key named `name`; throws KeyError when there is none.
    void revoke(const std::string& name, std::int64_t now_ms);
    // The live keys (expired ones included, marked by expires_ms), by name.
    std::vector<KeyRecord> list() const;
    // The key's record when `presented` is a live, unexpired key at `now_ms`; its use is noted.
    std::optional<KeyRecord> authenticate(std::string_view presented, std::int64_t now_ms) const;
    // The live key with this id, for a session made with it.
    std::optional<KeyRecord> find(const std::string& id, std::int64_t now_ms) const;
    // True once any key was ever made here, revoked ones included.
    bool any() const;
    // Writes the last uses noted since the previous call.
    void flush_last_used();

  private:
    struct Entry {
        KeyRecord record;
        mutable std::atomic<std::int64_t> last_used_ms{0};
        std::int64_t last_written_ms = 0;
    };
    void load();
    std::optional<KeyRecord> live(const Entry& entry, std::int64_t now_ms) const;

    std::unique_ptr<SQLite::Database> database_;
    mutable std::mutex write_mutex_;
    mutable std::shared_mutex entries_mutex_;
    std::unordered_map<std::string, std::shared_ptr<Entry>> by_hash_;  // live keys
    std::unordered_map<std::string, std::shared_ptr<Entry>> by_id_;
    bool any_ = false;
};

}  // namespace shopd::auth
