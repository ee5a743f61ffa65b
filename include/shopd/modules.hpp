#pragma once

#include <vector>

#include <shopd/module.hpp>

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

// Every module shipped with shopd, in the order they are hosted.
std::vector<ModuleDefinition> builtin_modules();

}  // namespace shopd
