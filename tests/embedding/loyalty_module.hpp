#pragma once
// A module an embedding program writes for itself, outside the repository's modules and with
// nothing but the public headers: loyalty points for confirmed orders.

#include <atomic>
#include <memory>

#include <shopd/module.hpp>

namespace loyalty {

struct LoyaltySettings {
    std::int64_t points_per_euro = 1;
};

// `paused` set: the module says it is degraded and awards nothing.
shopd::ModuleDefinition module(std::shared_ptr<std::atomic<bool>> paused);

}  // namespace loyalty
