#pragma once

#include <memory>

#include <shopd/app.hpp>

#include "support/http_client.hpp"
#include "support/test_modules.hpp"

namespace shopd::testing {

// A config for in-process tests: databases in memory, an ephemeral port, quick retries.
inline Config test_config() {
    Config config;
    config.server.listen = "127.0.0.1:0";
    config.storage.memory = true;
    config.delivery.retry_base = std::chrono::milliseconds(5);
    config.delivery.retry_cap = std::chrono::milliseconds(20);
    config.delivery.max_attempts = 3;
    config.log.level = "warn";
    return config;
}

// The notes and audit modules in a started App.
struct TestApp {
    explicit TestApp(Config config = test_config())
        : app(std::move(config), {notes_module(), audit_module(control)}) {
        app.start();
    }

    HttpClient client() const { return HttpClient(app.port()); }

    std::shared_ptr<AuditControl> control = std::make_shared<AuditControl>();
    App app;
};

}  // namespace shopd::testing
