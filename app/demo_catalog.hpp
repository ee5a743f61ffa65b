#pragma once

#include <shopd/app.hpp>

namespace shopd {

// Fills an empty catalog with the demo products of web/demo/ (built into the binary) and their
// pictures, through the API as any client would, then waits until the order module has learnt
// their prices. A catalog that holds any product is left alone. Throws std::runtime_error with
// the API's answer when a request is refused (in-process requests need a shop that serves open,
// as it does on loopback).
void seed_demo_catalog(App& app);

}  // namespace shopd
