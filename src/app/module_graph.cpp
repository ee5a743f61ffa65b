#include "app/module_graph.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>

namespace shopd {
namespace json = boost::json;

namespace {

std::string_view kind_name(MessageKind kind) {
    return kind == MessageKind::command ? "command" : "event";
}

std::vector<std::string> publishers_of(const bus::MessageBus& bus, std::string_view type) {
    std::vector<std::string> publishers;
    for (const auto& publication : bus.publications()) {
        if (publication.message.name == type) {
            publishers.push_back(publication.module);
        }
    }
    return publishers;
}

json::array names(const std::vector<std::string>& items) {
    json::array array;
    for (const auto& item : items) {
        array.emplace_back(item);
    }
    return array;
}

}  // namespace

json::object module_graph_json(const bus::MessageBus& bus,
                               const std::vector<std::string>& modules) {
    json::array entries;
    for (const auto& module : modules) {
        json::array publishes;
        for (const auto& publication : bus.publications()) {
            if (publication.module == module) {
                const auto& type = publication.message;
                publishes.push_back(
                    json::object{{"type", type.name},
                                 {"version", type.version},
                                 {"kind", kind_name(type.kind)},
                                 {"handled_by", names(bus.subscribers(type.name))}});
            }
        }
        json::array subscribes;
        for (const auto& subscription : bus.subscriptions()) {
            if (subscription.module == module) {
                const auto& type = subscription.message;
                subscribes.push_back(
                    json::object{{"type", type.name},
                                 {"version", type.version},
                                 {"kind", kind_name(type.kind)},
                                 {"published_by", names(publishers_of(bus, type.name))}});
            }
        }
        entries.push_back(json::object{{"name", module},
                                       {"publishes", std::move(publishes)},
                                       {"subscribes", std::move(subscribes)}});
    }
    return json::object{{"modules", std::move(entries)}};
}

std::string module_graph_mermaid(const bus::MessageBus& bus,
                                 const std::vector<std::string>& modules) {
    std::string text = "flowchart LR\n";
    for (const auto& module : modules) {
        text += fmt::format("    {0}[{0}]\n", module);
    }
    bool unheard = false;
    for (const auto& publication : bus.publications()) {
        const auto& subscribers = bus.subscribers(publication.message.name);
        for (const auto& subscriber : subscribers) {
            const auto arrow = publication.message.kind == MessageKind::command ? "==>" : "-->";
            text += fmt::format("    {} {}|{}| {}\n", publication.module, arrow,
                                publication.message.name, subscriber);
        }
        // Published all the same: to the outbox, and with a relay to Kafka.
        if (subscribers.empty()) {
            text += fmt::format("    {} -.->|{}| outside\n", publication.module,
                                publication.message.name);
            unheard = true;
        }
    }
    if (unheard) {
        text += "    outside([no subscriber here: outbox and Kafka])\n";
    }
    return text;
}

}  // namespace shopd
