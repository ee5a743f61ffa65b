#include "auth/key_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <SQLiteCpp/VariadicBind.h>
#include <algorithm>
#include <array>
#include <fmt/format.h>

#include <shopd/clock.hpp>
#include <shopd/digest.hpp>
#include <shopd/ids.hpp>
#include <shopd/migration.hpp>
#include <shopd/whole_number.hpp>

namespace shopd::auth {

store::MigrationSet key_migrations();

namespace {

constexpr std::string_view kPrefix = "shopd_";
constexpr std::size_t kIdBytes = 6;
constexpr std::size_t kSecretBytes = 32;
// A use is written back when the stored one is older than this.
constexpr std::int64_t kLastUseResolutionMs = 60'000;

void check_name(const std::string& name) {
    if (!valid_key_name(name)) {
        throw KeyError(
            fmt::format("a key's name is 1-64 letters, digits, '.', '_' or '-', not '{}'", name));
    }
}

std::optional<std::int64_t> optional_column(const SQLite::Column& column) {
    return column.isNull() ? std::nullopt : std::optional{column.getInt64()};
}

}  // namespace

std::string rfc3339_ms(std::int64_t ms) {
    return rfc3339(std::chrono::system_clock::time_point{std::chrono::milliseconds(ms)});
}

boost::json::object key_json(const KeyRecord& key) {
    const auto time = [](const std::optional<std::int64_t>& ms) {
        return ms ? boost::json::value(rfc3339_ms(*ms)) : boost::json::value(nullptr);
    };
    return {{"id", key.id},
            {"name", key.name},
            {"role", role_name(key.role)},
            {"created_at", rfc3339_ms(key.created_ms)},
            {"expires_at", time(key.expires_ms)},
            {"last_used_at", time(key.last_used_ms)}};
}

bool valid_key_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && is_identifier(name);
}

std::optional<std::chrono::milliseconds> parse_lifetime(std::string_view text) {
    if (text.size() < 2) {
        return std::nullopt;
    }
    const auto unit = text.back();
    const std::int64_t unit_ms = unit == 'm'   ? 60'000
                                 : unit == 'h' ? 3'600'000
                                 : unit == 'd' ? 86'400'000
                                               : 0;
    const auto count = whole_number(text.substr(0, text.size() - 1), 1, 36'500);
    if (unit_ms == 0 || !count) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(*count * unit_ms);
}

KeyStore::KeyStore(const store::DatabaseLocation& location)
    : database_(store::open_database(location, Durability::full)) {
    const std::array sets{key_migrations()};
    store::apply_migrations(*database_, sets);
    load();
}

KeyStore::~KeyStore() = default;

void KeyStore::load() {
    SQLite::Statement query(*database_,
                            "SELECT id, name, role, key_sha256, created_ms, expires_ms, "
                            "last_used_ms, revoked_ms FROM api_key");
    std::unique_lock lock(entries_mutex_);
    by_hash_.clear();
    by_id_.clear();
    any_ = false;
    while (query.executeStep()) {
        any_ = true;
        if (!query.getColumn(7).isNull()) {
            continue;
        }
        auto entry = std::make_shared<Entry>();
        entry->record = {query.getColumn(0).getString(),
                         query.getColumn(1).getString(),
                         role_named(query.getColumn(2).getString()).value_or(Role::customer),
                         query.getColumn(4).getInt64(),
                         optional_column(query.getColumn(5)),
                         optional_column(query.getColumn(6))};
        entry->last_used_ms = entry->record.last_used_ms.value_or(0);
        entry->last_written_ms = entry->last_used_ms;
        by_id_[entry->record.id] = entry;
        by_hash_[query.getColumn(3).getString()] = std::move(entry);
    }
}

NewKey KeyStore::create(const std::string& name, Role role,
                        std::optional<std::chrono::milliseconds> lifetime, std::int64_t now_ms) {
    check_name(name);
    if (role == Role::anyone) {
        throw KeyError("a key needs a role: admin, operator, kiosk or customer");
    }
    const auto id = random_hex(kIdBytes);
    const auto key = fmt::format("{}{}_{}", kPrefix, id, random_hex(kSecretBytes));
    std::lock_guard lock(write_mutex_);
    SQLite::Statement taken(*database_,
                            "SELECT 1 FROM api_key WHERE name = ? AND revoked_ms IS NULL");
    taken.bind(1, name);
    if (taken.executeStep()) {
        throw KeyError(fmt::format("a key named '{}' exists; revoke it first", name));
    }
    SQLite::Statement insert(*database_,
                             "INSERT INTO api_key (id, name, role, key_sha256, created_ms, "
                             "expires_ms) VALUES (?, ?, ?, ?, ?, ?)");
    SQLite::bind(insert, id, name, std::string{role_name(role)}, sha256_hex(key), now_ms);
    if (lifetime) {
        insert.bind(6, static_cast<std::int64_t>(now_ms + lifetime->count()));
    }
    insert.exec();
    load();
    KeyRecord record{id, name, role, now_ms, std::nullopt, std::nullopt};
    if (lifetime) {
        record.expires_ms = now_ms + lifetime->count();
    }
    return {std::move(record), key};
}

void KeyStore::revoke(const std::string& name, std::int64_t now_ms) {
    std::lock_guard lock(write_mutex_);
    SQLite::Statement revoke(
        *database_, "UPDATE api_key SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL");
    SQLite::bind(revoke, now_ms, name);
    if (revoke.exec() == 0) {
        throw KeyError(fmt::format("no key named '{}'", name));
    }
    load();
}

std::vector<KeyRecord> KeyStore::list() const {
    std::vector<KeyRecord> keys;
    {
        std::shared_lock lock(entries_mutex_);
        for (const auto& [id, entry] : by_id_) {
            auto record = entry->record;
            if (const auto used = entry->last_used_ms.load(); used > 0) {
                record.last_used_ms = used;
            }
            keys.push_back(std::move(record));
        }
    }
    std::sort(keys.begin(), keys.end(),
              [](const KeyRecord& a, const KeyRecord& b) { return a.name < b.name; });
    return keys;
}

std::optional<KeyRecord> KeyStore::live(const Entry& entry, std::int64_t now_ms) const {
    if (entry.record.expires_ms && *entry.record.expires_ms <= now_ms) {
        return std::nullopt;
    }
    if (entry.last_used_ms.load(std::memory_order_relaxed) < now_ms) {
        entry.last_used_ms.store(now_ms, std::memory_order_relaxed);
    }
    return entry.record;
}

std::optional<KeyRecord> KeyStore::authenticate(std::string_view presented,
                                                std::int64_t now_ms) const {
    if (!presented.starts_with(kPrefix)) {
        return std::nullopt;
    }
    const auto hash = sha256_hex(presented);
    std::shared_lock lock(entries_mutex_);
    const auto found = by_hash_.find(hash);
    return found == by_hash_.end() ? std::nullopt : live(*found->second, now_ms);
}

std::optional<KeyRecord> KeyStore::find(const std::string& id, std::int64_t now_ms) const {
    std::shared_lock lock(entries_mutex_);
    const auto found = by_id_.find(id);
    return found == by_id_.end() ? std::nullopt : live(*found->second, now_ms);
}

bool KeyStore::any() const {
    std::shared_lock lock(entries_mutex_);
    return any_;
}

void KeyStore::flush_last_used() {
    std::vector<std::pair<std::string, std::int64_t>> uses;
    {
        std::unique_lock lock(entries_mutex_);
        for (auto& [id, entry] : by_id_) {
            const auto used = entry->last_used_ms.load();
            if (used >= entry->last_written_ms + kLastUseResolutionMs ||
                (used > 0 && entry->last_written_ms == 0)) {
                entry->last_written_ms = used;
                uses.emplace_back(id, used);
            }
        }
    }
    if (uses.empty()) {
        return;
    }
    std::lock_guard lock(write_mutex_);
    SQLite::Transaction transaction(*database_);
    SQLite::Statement update(*database_, "UPDATE api_key SET last_used_ms = ? WHERE id = ?");
    for (const auto& [id, used] : uses) {
        SQLite::bind(update, used, id);
        update.exec();
        update.reset();
    }
    transaction.commit();
}

}  // namespace shopd::auth
