#include "template.hpp"

#include <fmt/format.h>

namespace shopd::notification {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

TextTemplate::TextTemplate(std::string text, const std::set<std::string, std::less<>>& known) {
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto open = rest.find("{{");
        if (open != 0) {
            parts_.push_back({false, std::string{rest.substr(0, open)}});
            if (open == std::string_view::npos) {
                break;
            }
        }
        const auto close = rest.find("}}", open + 2);
        if (close == std::string_view::npos) {
            throw TemplateError(fmt::format("'{{{{' at offset {} is never closed",
                                            text.size() - rest.size() + open));
        }
        const auto name = trim(rest.substr(open + 2, close - open - 2));
        if (!known.contains(name)) {
            throw TemplateError(
                fmt::format("unknown name '{}' (known: {})", name, fmt::join(known, ", ")));
        }
        parts_.push_back({true, std::string{name}});
        rest.remove_prefix(close + 2);
    }
}

std::string TextTemplate::render(
    const std::map<std::string, std::string, std::less<>>& values) const {
    std::string text;
    for (const auto& part : parts_) {
        if (!part.variable) {
            text += part.text;
        } else if (const auto found = values.find(part.text); found != values.end()) {
            text += found->second;
        }
    }
    return text;
}

}  // namespace shopd::notification
