#include "picture.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace shopd::inventory {
namespace {

std::string lowered(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

bool is_letter(char c) {
    return c >= 'a' && c <= 'z';
}

// An attribute such as onload= or onclick =.
bool has_event_handler(std::string_view text) {
    for (auto at = text.find("on"); at != std::string_view::npos; at = text.find("on", at + 1)) {
        if (at == 0 || !std::isspace(static_cast<unsigned char>(text[at - 1]))) {
            continue;
        }
        auto end = at + 2;
        while (end < text.size() && is_letter(text[end])) {
            ++end;
        }
        while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end]))) {
            ++end;
        }
        if (end > at + 2 && end < text.size() && text[end] == '=') {
            return true;
        }
    }
    return false;
}

// An href (or xlink:href) to anything but a fragment of the picture itself.
bool refers_outside(std::string_view text) {
    for (auto at = text.find("href"); at != std::string_view::npos;
         at = text.find("href", at + 1)) {
        auto value = text.find_first_not_of(" \t\r\n=\"'", at + 4);
        if (value != std::string_view::npos && text[value] != '#') {
            return true;
        }
    }
    return false;
}

// An SVG document: its root element is <svg> after an optional XML declaration, comments and
// doctype, and nothing in it runs or fetches (an <img> of it never would, but the picture is
// also opened by itself).
bool is_safe_svg(std::string_view bytes) {
    const auto text = lowered(bytes);
    const auto root = text.find("<svg");
    if (root == std::string::npos || text.find("</svg>") == std::string::npos) {
        return false;
    }
    const auto before = std::string_view{text}.substr(0, root);
    for (const char c : before) {
        if (c == '\0') {
            return false;
        }
    }
    if (before.find_first_not_of(" \t\r\n\xef\xbb\xbf") != std::string_view::npos &&
        !before.starts_with("<?xml") && !before.starts_with("<!--") &&
        !before.starts_with("<!doctype")) {
        return false;
    }
    constexpr std::array kRefused{"<script", "javascript:", "<foreignobject", "<iframe",
                                  "<embed",  "<object",     "<!entity"};
    return std::none_of(
               kRefused.begin(), kRefused.end(),
               [&](const char* refused) { return text.find(refused) != std::string::npos; }) &&
           !has_event_handler(text) && !refers_outside(text);
}

}  // namespace

std::optional<std::string_view> picture_type(std::string_view bytes) {
    if (bytes.starts_with("\x89PNG\r\n\x1a\n")) {
        return "image/png";
    }
    if (bytes.starts_with("\xff\xd8\xff")) {
        return "image/jpeg";
    }
    if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") {
        return "image/webp";
    }
    if (is_safe_svg(bytes)) {
        return "image/svg+xml";
    }
    return std::nullopt;
}

}  // namespace shopd::inventory
