#pragma once
// Who may call a route, and who is calling. Each route declares its roles where it is
// registered; the gateway authenticates the caller and enforces them, and a module's handler
// narrows what a customer or a kiosk sees to its own records.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopd {

enum class Role {
    anyone,     // no credentials needed
    customer,   // a shopper, on its own orders
    kiosk,      // a shop's touch screen, on the orders it placed
    operator_,  // the shop's staff
    admin,      // may call every route, whatever it lists
};
using Roles = std::vector<Role>;

std::string_view role_name(Role role);
// The role named `name` ("operator", ...); nullopt for another name.
std::optional<Role> role_named(std::string_view name);

// The authenticated caller of a request.
struct Caller {
    Role role = Role::anyone;
    // A customer's id (the JWT's sub), a kiosk's or an operator's key name: what its own
    // records are filed under.
    std::string id;
    // For the audit: "key ops-1 (operator)", "jwt customer-7 (customer)", "open".
    std::string actor;

    // Sees every customer's records: operator and admin (and anyone while shopd runs open).
    bool sees_everything() const { return role == Role::operator_ || role == Role::admin; }
    // Whether a record of `customer_id` placed by `placed_by` is this caller's to see.
    bool owns(std::string_view customer_id, std::string_view placed_by = {}) const {
        if (sees_everything()) {
            return true;
        }
        if (role == Role::customer) {
            return customer_id == id;
        }
        return role == Role::kiosk && placed_by == id;
    }
};

}  // namespace shopd
