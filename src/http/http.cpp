#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <strings.h>

#include <shopd/http.hpp>

namespace shopd::http {

std::string_view method_name(Method method) {
    switch (method) {
        case Method::get:
            return "GET";
        case Method::head:
            return "HEAD";
        case Method::post:
            return "POST";
        case Method::put:
            return "PUT";
        case Method::patch:
            return "PATCH";
        case Method::delete_:
            return "DELETE";
        case Method::options:
            return "OPTIONS";
        case Method::other:
            break;
    }
    return "OTHER";
}

bool read_target(std::string_view target, Request& request) {
    const auto url = boost::urls::parse_origin_form(target);
    if (!url) {
        return false;
    }
    request.target = std::string{target};
    request.segments.clear();
    for (auto segment : url->segments()) {
        request.segments.push_back(std::move(segment));
    }
    request.query.clear();
    for (auto param : url->params()) {
        request.query.emplace_back(std::move(param.key), std::move(param.value));
    }
    return true;
}

bool not_modified(const Request& request, std::string_view etag) {
    const auto header = request.header("If-None-Match");
    if (!header) {
        return false;
    }
    const auto if_none_match = *header;
    if (if_none_match == "*") {
        return true;
    }
    std::size_t start = 0;
    while (start < if_none_match.size()) {
        auto end = if_none_match.find(',', start);
        if (end == std::string_view::npos) {
            end = if_none_match.size();
        }
        auto tag = if_none_match.substr(start, end - start);
        tag.remove_prefix(std::min(tag.find_first_not_of(' '), tag.size()));
        tag = tag.substr(0, tag.find_last_not_of(' ') + 1);
        if (tag.starts_with("W/")) {
            tag.remove_prefix(2);
        }
        if (tag == etag) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
    for (const auto& header : headers) {
        if (header.name.size() == name.size() &&
            strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
            return header.value;
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

const std::string& Request::param(std::string_view name) const {
    static const std::string none;
    const auto found = path_params.find(name);
    return found == path_params.end() ? none : found->second;
}

Response json_response(unsigned status, const boost::json::value& body) {
    return Response{status, "application/json", {}, boost::json::serialize(body), nullptr};
}

bool EventStream::push(std::string chunk) {
    std::function<void()> wake;
    bool open = true;
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            return false;
        }
        const bool fell_behind = bound_ != 0 && pending_bytes_ + chunk.size() > bound_;
        if (fell_behind) {
            pending_.clear();
            pending_bytes_ = farewell_.size();
            pending_.push_back(std::move(farewell_));
            closed_ = true;
            open = false;
            wake = std::move(wake_);
        } else {
            pending_bytes_ += chunk.size();
            pending_.push_back(std::move(chunk));
            wake = wake_;
        }
    }
    if (wake) {
        wake();
    }
    return open;
}

void EventStream::bound(std::size_t bytes, std::string farewell) {
    std::lock_guard lock(mutex_);
    bound_ = bytes;
    farewell_ = std::move(farewell);
}

void EventStream::close() {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        wake = std::move(wake_);
    }
    if (wake) {
        wake();
    }
}

bool EventStream::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

void EventStream::on_wake(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

std::string EventStream::take() {
    // A client that reads slowly holds one such piece in the server's hands, not the backlog.
    constexpr std::size_t kMostAtOnce = 64 * 1024;
    std::lock_guard lock(mutex_);
    std::string taken;
    while (!pending_.empty() &&
           (taken.empty() || taken.size() + pending_.front().size() <= kMostAtOnce)) {
        taken += pending_.front();
        pending_bytes_ -= pending_.front().size();
        pending_.pop_front();
    }
    return taken;
}

Response problem(unsigned status, std::string_view type, std::string_view title,
                 std::string_view detail, const std::vector<FieldError>& errors) {
    boost::json::object body{
        {"type", "urn:shopd:problem:" + std::string{type}},
        {"title", title},
        {"status", status},
    };
    if (!detail.empty()) {
        body["detail"] = detail;
    }
    if (!errors.empty()) {
        boost::json::array fields;
        for (const auto& error : errors) {
            fields.push_back(
                boost::json::object{{"field", error.field}, {"message", error.message}});
        }
        body["errors"] = std::move(fields);
    }
    return Response{status, "application/problem+json", {}, boost::json::serialize(body), nullptr};
}

Response unavailable(std::string_view type, std::string_view detail, int retry_after_seconds) {
    auto response = problem(503, type, "Service unavailable", detail);
    response.headers.push_back({"Retry-After", std::to_string(retry_after_seconds)});
    return response;
}

struct Reply::State {
    Sink sink;
    std::atomic<bool> answered{false};

    void send(Response response) {
        if (!answered.exchange(true)) {
            sink(std::move(response));
        }
    }
    ~State() {
        // Built only when needed: every request passes here, almost always answered.
        if (!answered.load()) {
            send(problem(500, "unanswered", "Internal server error",
                         "the request was dropped without an answer"));
        }
    }
};

Reply::Reply(Sink sink) : state_(std::make_shared<State>()) {
    state_->sink = std::move(sink);
}

void Reply::operator()(Response response) const {
    state_->send(std::move(response));
}

}  // namespace shopd::http
