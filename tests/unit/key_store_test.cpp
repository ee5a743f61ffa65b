#include "auth/key_store.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "app/command_line.hpp"
#include "auth/keys_command.hpp"
#include "store/directory_lock.hpp"
#include "support/temporary_directory.hpp"

namespace shopd::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60'000;

store::DatabaseLocation in(const testing::TemporaryDirectory& directory) {
    return {directory.path / "keys.db", false};
}

}  // namespace

TEST_CASE("a key is shown once, kept as its hash, and recognised by its prefix and id") {
    testing::TemporaryDirectory directory;
    KeyStore keys(in(directory));
    CHECK_FALSE(keys.any());
    const auto made = keys.create("ops", Role::operator_, std::nullopt, kNow);
    CHECK(made.key.starts_with("shopd_" + made.record.id + "_"));
    CHECK(made.key.size() == 6 + 12 + 1 + 64);
    CHECK(keys.any());
    const auto found = keys.authenticate(made.key, kNow);
    REQUIRE(found);
    CHECK(found->name == "ops");
    CHECK(found->role == Role::operator_);
    CHECK_FALSE(keys.authenticate(made.key + "0", kNow));
    CHECK_FALSE(keys.authenticate("shopd_" + made.record.id + "_" + std::string(64, '0'), kNow));

    std::ifstream file(directory.path / "keys.db", std::ios::binary);
    const std::string stored{std::istreambuf_iterator<char>(file), {}};
    CHECK(stored.find(made.key.substr(19)) == std::string::npos);
}

TEST_CASE("an expired key and a revoked one stop working; a revoked name may be made again") {
    testing::TemporaryDirectory directory;
    KeyStore keys(in(directory));
    const auto brief = keys.create("brief", Role::kiosk, std::chrono::minutes(90), kNow);
    CHECK(keys.authenticate(brief.key, kNow + 89 * kMinute));
    CHECK_FALSE(keys.authenticate(brief.key, kNow + 90 * kMinute));

    const auto ops = keys.create("ops", Role::operator_, std::nullopt, kNow);
    CHECK_THROWS_AS(keys.create("ops", Role::admin, std::nullopt, kNow), KeyError);
    keys.revoke("ops", kNow);
    CHECK_FALSE(keys.authenticate(ops.key, kNow));
    CHECK_THROWS_AS(keys.revoke("ops", kNow), KeyError);
    const auto again = keys.create("ops", Role::operator_, std::nullopt, kNow);
    CHECK(keys.authenticate(again.key, kNow));
    CHECK_FALSE(keys.authenticate(ops.key, kNow));
}

TEST_CASE("keys outlive a restart, and the last use is written back to the minute") {
    testing::TemporaryDirectory directory;
    std::string key;
    {
        KeyStore keys(in(directory));
        key = keys.create("kiosk-1", Role::kiosk, std::nullopt, kNow).key;
        CHECK(keys.authenticate(key, kNow + kMinute));
        keys.flush_last_used();
        CHECK(keys.authenticate(key, kNow + kMinute + 5'000));
        keys.flush_last_used();  // within the minute: not written
    }
    KeyStore reopened(in(directory));
    CHECK(reopened.any());
    const auto listed = reopened.list();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].last_used_ms == kNow + kMinute);
    CHECK(reopened.authenticate(key, kNow + 2 * kMinute));
}

TEST_CASE("a lifetime is minutes, hours or days") {
    CHECK(parse_lifetime("90m") == std::chrono::minutes(90));
    CHECK(parse_lifetime("12h") == std::chrono::hours(12));
    CHECK(parse_lifetime("30d") == std::chrono::hours(24 * 30));
    for (const auto* bad : {"", "m", "0m", "3w", "-1d", "1.5h", "12 h", "99999999d"}) {
        INFO(bad);
        CHECK_FALSE(parse_lifetime(bad));
    }
    CHECK_FALSE(valid_key_name(""));
    CHECK_FALSE(valid_key_name("a b"));
    CHECK_FALSE(valid_key_name(std::string(65, 'a')));
    CHECK(valid_key_name("kiosk-1.front_door"));
}

TEST_CASE("shopd keys prints the new key as its only line and refuses a directory in use") {
    testing::TemporaryDirectory directory;
    KeysCommand create{KeysCommand::Action::create, directory.path.string(), "ops", "operator",
                       "12h"};
    std::ostringstream out, error;
    REQUIRE(run_keys_command(create, out, error) == 0);
    const auto key = out.str();
    CHECK(key.starts_with("shopd_"));
    CHECK(key.find('\n') == key.size() - 1);
    CHECK(error.str().empty());

    std::ostringstream listed, list_error;
    KeysCommand list{KeysCommand::Action::list, directory.path.string()};
    REQUIRE(run_keys_command(list, listed, list_error) == 0);
    CHECK(listed.str().find("\"name\":\"ops\"") != std::string::npos);
    CHECK(listed.str().find(key.substr(0, key.size() - 1)) == std::string::npos);

    std::ostringstream ignored, refused;
    CHECK(run_keys_command(create, ignored, refused) == 1);
    CHECK(refused.str().find("exists") != std::string::npos);
    {
        const store::DirectoryLock running(directory.path);
        std::ostringstream busy;
        CHECK(run_keys_command(list, ignored, busy) == 3);
        CHECK(busy.str().find("/api/admin/keys") != std::string::npos);
    }
    KeysCommand bad_lifetime = create;
    bad_lifetime.expires_in = "soon";
    std::ostringstream usage;
    CHECK(run_keys_command(bad_lifetime, ignored, usage) == 2);
}

}  // namespace shopd::auth
