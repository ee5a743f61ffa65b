#pragma once
// Who may call a route. Each route declares its roles where it is registered; the gateway
// enforces them.

#include <string_view>
#include <vector>

namespace shopd {

enum class Role {
    anyone,     // no credentials needed
    customer,   // a shopper, on its own orders
    kiosk,      // a shop's touch screen
    operator_,  // the shop's staff
    admin,      // may call every route, whatever it lists
};
using Roles = std::vector<Role>;

std::string_view role_name(Role role);

}  // namespace shopd
