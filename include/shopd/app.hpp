#pragma once
// The embedding API: the same App that the shopd binary runs.
//
//   shopd::App app(config, shopd::builtin_modules());
//   app.start();                 // databases migrated, HTTP port bound, messages flowing
//   ... use app.port() ...
//   app.stop();                  // graceful: in-flight requests and handlers finish

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/clock.hpp>
#include <shopd/config.hpp>
#include <shopd/module.hpp>

namespace shopd {

// Start-up cannot go on: a database cannot be opened or migrated, the port is taken, or the
// modules' registrations contradict each other. The message says which and why.
class StartupError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class App {
  public:
    // Hosts the modules named in config.modules.enabled (all of `modules` when empty).
    // Throws config::ConfigError for an unknown module name. `openapi`, when given, is served
    // at /openapi.json and shown at /docs.
    App(Config config, std::vector<ModuleDefinition> modules, std::string_view openapi = {});
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    void start();
    bool ready() const;
    // The port bound; 0 with server.listen empty, which opens no socket.
    unsigned short port() const;
    // Where a client on this machine reaches the port, e.g. http://127.0.0.1:8080: a wildcard
    // listen is reached on loopback, an IPv6 address is written in brackets. Empty without a
    // socket.
    std::string url() const;

    // Answers `request` in-process, as the server would (the same routes, roles and limits on
    // the body), with no socket. `done` runs once, on one of the App's threads. An event
    // stream needs a socket: it is answered 406.
    void handle(http::Request request, std::function<void(http::Response)> done);
    // The same, waiting for the answer; not from one of the App's threads.
    http::Response handle(http::Request request);

    // True when nothing moves without a clock step or a request: no unit of work queued, no
    // message waiting for delivery or for its retry (parked ones aside), no outgoing call
    // under way.
    bool idle() const;
    // Waits until idle(); false when `timeout` passed first. For tests and scripted demos
    // that must see every consequence of a request before they look.
    bool wait_until_idle(std::chrono::milliseconds timeout) const;

    // Business time: every module and the platform read it. A test may freeze and move it.
    ShopClock& clock();

    // Every route served, with the roles it declares (admin may call each one too).
    struct Operation {
        http::Method method;
        std::string pattern;
        Roles roles;
    };
    std::vector<Operation> operations() const;

    // The hosted modules and the messages between them, as a Mermaid flowchart.
    std::string module_graph_mermaid() const;

    // Graceful stop: no new connections, in-flight requests answered, queued module work
    // finished, databases closed. Idempotent; call from any thread but the App's own.
    void stop();

    // Starts, calls `on_ready` (when given) once ready, serves until SIGINT or SIGTERM, then
    // stops gracefully. When `on_ready` throws, shopd stops and the exception goes on.
    void run_until_signal(const std::function<void()>& on_ready = {});

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace shopd
