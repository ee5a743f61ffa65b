#pragma once
// The pages and their assets (web/, and the API viewer's files), compiled into the binary at
// build time: nothing is read from disk or fetched from elsewhere when they are served.

#include <span>
#include <string_view>

#include <shopd/http.hpp>

#include "http/router.hpp"

namespace shopd::http {

struct WebFile {
    std::string_view path;          // the URL path it is served at, e.g. /kiosk/kiosk.js
    std::string_view content_type;  // e.g. text/css; charset=utf-8
    std::string_view etag;          // a strong validator, quoted: a digest of the bytes
    std::string_view body;
};

// Every embedded file; written by cmake/embed_web.py.
std::span<const WebFile> web_files();

// The embedded file at `path` (a page's index.html at its directory's path), or nullptr.
const WebFile* web_file(std::string_view path);

// `file` as a response to `request`: 304 when the request's If-None-Match names its ETag,
// with the ETag, Cache-Control and the page's Content-Security-Policy either way.
Response web_file_response(const Request& request, const WebFile& file);

// GET for every embedded file, open to anyone: the pages ask for credentials themselves when
// the API needs them. A folder's index.html is served at the folder's path; `/` is the
// kiosk.
void add_web_routes(Router& router);

}  // namespace shopd::http
