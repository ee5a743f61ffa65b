#include <shopd/modules.hpp>

// The module list: each module's definition, and the order they are hosted in.
namespace shopd {

namespace inventory {
ModuleDefinition module();
}
namespace order {
ModuleDefinition module();
}
namespace payment {
ModuleDefinition module();
}
namespace shipping {
ModuleDefinition module();
}
namespace notification {
ModuleDefinition module();
}
namespace analytics {
ModuleDefinition module();
}

std::vector<ModuleDefinition> builtin_modules() {
    return {inventory::module(), order::module(),        payment::module(),
            shipping::module(),  notification::module(), analytics::module()};
}

}  // namespace shopd
