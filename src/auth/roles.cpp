#include <array>
#include <utility>

#include <shopd/roles.hpp>

namespace shopd {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kNames{{
    {Role::anyone, "anyone"},
    {Role::customer, "customer"},
    {Role::kiosk, "kiosk"},
    {Role::operator_, "operator"},
    {Role::admin, "admin"},
}};

}  // namespace

std::string_view role_name(Role role) {
    for (const auto& [known, name] : kNames) {
        if (known == role) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Role> role_named(std::string_view name) {
    for (const auto& [role, known] : kNames) {
        if (known == name && role != Role::anyone) {
            return role;
        }
    }
    return std::nullopt;
}

}  // namespace shopd
