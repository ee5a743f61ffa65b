#include "auth/keys_command.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <ostream>

#include "auth/key_store.hpp"
#include "store/directory_lock.hpp"

namespace shopd::auth {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

int run_keys_command(const KeysCommand& command, std::ostream& out, std::ostream& error) {
    using Action = KeysCommand::Action;
    std::optional<std::chrono::milliseconds> lifetime;
    if (!command.expires_in.empty()) {
        lifetime = parse_lifetime(command.expires_in);
        if (!lifetime) {
            error << "shopd keys: --expires-in " << command.expires_in
                  << ": expected a number with m, h or d (90m, 12h, 30d)\n";
            return 2;
        }
    }
    if (command.action == Action::create && !valid_key_name(command.name)) {
        error << "shopd keys: --name " << command.name
              << ": 1-64 letters, digits, '.', '_' or '-'\n";
        return 2;
    }
    try {
        const store::DirectoryLock lock(command.data_dir);
        KeyStore keys({std::filesystem::path{command.data_dir} / "keys.db", false});
        switch (command.action) {
            case Action::create:
                out << keys.create(command.name, role_named(command.role).value(), lifetime,
                                   now_ms())
                           .key
                    << std::endl;
                break;
            case Action::list:
                for (const auto& key : keys.list()) {
                    out << boost::json::serialize(key_json(key)) << "\n";
                }
                break;
            case Action::revoke:
                keys.revoke(command.name, now_ms());
                error << "shopd keys: revoked '" << command.name << "'\n";
                break;
        }
        return 0;
    } catch (const KeyError& refused) {
        error << "shopd keys: " << refused.what() << "\n";
        return 1;
    } catch (const store::StoreError& failure) {
        error << "shopd keys: " << failure.what()
              << (std::string_view{failure.what()}.find("in use") != std::string_view::npos
                      ? "; while it runs, use /api/admin/keys"
                      : "")
              << "\n";
        return 3;
    }
}

}  // namespace shopd::auth
