#include <shopd/modules.hpp>

namespace shopd {

std::vector<ModuleDefinition> builtin_modules() {
    return {inventory::module(), order::module(), payment::module(), shipping::module(),
            notification::module()};
}

}  // namespace shopd
