#pragma once

#include <vector>

#include <shopd/module.hpp>

namespace shopd {

// Every module shipped with shopd, in the order they are hosted.
std::vector<ModuleDefinition> builtin_modules();

}  // namespace shopd
