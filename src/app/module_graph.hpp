#pragma once
// The module graph, built from the real registrations: what each hosted module publishes and
// handles, and who handles what it publishes.

#include <boost/json/object.hpp>
#include <string>

#include "bus/message_bus.hpp"

namespace shopd {

// {"modules":[{"name", "publishes":[{type, version, kind, handled_by:[...]}],
//              "subscribes":[{type, version, kind, published_by:[...]}]}]}
boost::json::object module_graph_json(const bus::MessageBus& bus,
                                      const std::vector<std::string>& modules);

// A Mermaid flowchart: one arrow per (publisher, message type, subscriber).
std::string module_graph_mermaid(const bus::MessageBus& bus,
                                 const std::vector<std::string>& modules);

}  // namespace shopd
