#pragma once
// A product's picture, recognised by its bytes rather than by what the uploader calls it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace shopd::inventory {

// A picture larger than this is refused.
inline constexpr std::size_t kMaxPictureBytes = 1024 * 1024;

// The media type of a PNG, JPEG, WebP or SVG picture; nullopt for anything else, and for an
// SVG that carries script, event handlers or references outside itself.
std::optional<std::string_view> picture_type(std::string_view bytes);

struct Picture {
    std::string content_type;
    std::string etag;  // quoted, a digest of the bytes
    std::string bytes;
};

}  // namespace shopd::inventory
