#include <shopd/modules.hpp>

namespace shopd {

std::vector<ModuleDefinition> builtin_modules() {
    return {};
}

}  // namespace shopd
