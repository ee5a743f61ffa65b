#pragma once
// How a module plugs into the App: a name and a registration function. The registration
// API itself (ModuleBuilder) is the platform's, used by the modules in this repository.

#include <functional>
#include <string>

namespace shopd {

class ModuleBuilder;

struct ModuleDefinition {
    std::string name;
    std::function<void(ModuleBuilder&)> register_module;
};

}  // namespace shopd
