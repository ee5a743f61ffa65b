#pragma once

#include <string_view>
#include <vector>

#include <shopd/module.hpp>

namespace shopd {

// Every module shipped with shopd, in the order they are hosted. An embedding program that
// wants fewer picks them by name, or sets modules.enabled.
std::vector<ModuleDefinition> builtin_modules();

// The OpenAPI 3.1 document of the platform's and the built-in modules' HTTP API, merged from
// openapi/openapi.json and each module's openapi.json at build time.
std::string_view builtin_openapi();

}  // namespace shopd
