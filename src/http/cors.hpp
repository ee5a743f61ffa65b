#pragma once
// Cross-origin calls from the pages of other origins that server.cors_origins names: their
// preflights are answered, their answers carry the Access-Control headers. Any other origin
// gets no Access-Control header at all, so the browser keeps the answer from its page.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <shopd/http.hpp>

namespace shopd::http {

class Cors {
  public:
    explicit Cors(const std::vector<std::string>& origins = {});

    // A preflight (OPTIONS with Origin and Access-Control-Request-Method) for a path whose
    // routes allow `methods`: 204 for an allowed origin, 403 for another.
    std::optional<Response> preflight(const Request& request, std::string_view methods) const;
    // The headers an answer to an allowed origin carries; none for another.
    void add_headers(const Request& request, std::vector<Header>& headers) const;

  private:
    std::optional<std::string_view> allowed_origin(const Request& request) const;

    std::set<std::string, std::less<>> origins_;
};

}  // namespace shopd::http
