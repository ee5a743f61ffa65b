#include "http/web_files.hpp"

#include <set>
#include <stdexcept>
#include <string>

namespace shopd::http {
namespace {

// Scripts, styles, pictures and connections from the shop itself only; no inline script, no
// framing by another site. The API viewer's widgets set inline styles and draw data: images.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
constexpr std::string_view kViewerPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

constexpr std::string_view kIndexSuffix = "/index.html";

}  // namespace

const WebFile* web_file(std::string_view path) {
    for (const auto& file : web_files()) {
        const auto& stored = file.path;
        if (stored == path || (stored.ends_with(kIndexSuffix) &&
                               stored.substr(0, stored.size() - kIndexSuffix.size()) == path)) {
            return &file;
        }
    }
    return nullptr;
}

Response web_file_response(const Request& request, const WebFile& file) {
    Response response;
    response.content_type = std::string{file.content_type};
    response.headers = {
        {"ETag", std::string{file.etag}},
        // Kept, but asked after each time: a new binary's pages are seen at once, and an
        // unchanged file costs a 304.
        {"Cache-Control", "no-cache"},
        {"Content-Security-Policy",
         std::string{file.path.starts_with("/docs/") ? kViewerPolicy : kPagePolicy}},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
    };
    if (not_modified(request, file.etag)) {
        response.status = 304;
        return response;
    }
    response.body = std::string{file.body};
    return response;
}

void add_web_routes(Router& router) {
    // A folder's index.html is its page (/kiosk), its other files are /kiosk/{file}; a file
    // at the top is its own route.
    std::set<std::string, std::less<>> patterns;
    for (const auto& file : web_files()) {
        const auto path = std::string{file.path};
        const auto slash = path.find('/', 1);
        if (slash == std::string::npos) {
            patterns.insert(path);
            continue;
        }
        if (path.find('/', slash + 1) != std::string::npos) {
            throw std::logic_error("web files lie one folder deep at most: " + path);
        }
        patterns.insert(path.substr(0, slash) + "/{file}");
        if (path.ends_with(kIndexSuffix)) {
            patterns.insert(path.substr(0, slash));
        }
    }
    const auto serve = [](const Request& request, Reply reply) {
        const auto path = request.target.substr(0, request.target.find('?'));
        if (const auto* file = web_file(path)) {
            reply(web_file_response(request, *file));
        } else {
            reply(problem(404, "not-found", "Not found", "no page or file at " + path));
        }
    };
    for (const auto& pattern : patterns) {
        router.add(Route{Method::get, pattern, Body::none, {Role::anyone}, serve, Limit::none});
    }
    // The shop's address alone opens the kiosk: what a screen at a fair is pointed at.
    router.add(Route{Method::get,
                     "/",
                     Body::none,
                     {Role::anyone},
                     [](const Request& request, Reply reply) {
                         reply(web_file_response(request, *web_file("/kiosk")));
                     },
                     Limit::none});
}

}  // namespace shopd::http
