// The C API (include/shopd/shopd.h): a composition root like main.cpp, shopd::App with the
// built-in modules.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>
#include <shopd/shopd.h>

#include "config/config_loader.hpp"
#include "telemetry/logging.hpp"

struct shopd_handle {
    std::unique_ptr<shopd::App> app;
};

namespace {

char* copy_of(std::string_view text) {
    auto* copy = static_cast<char*>(std::malloc(text.size() + 1));
    if (copy != nullptr) {
        std::memcpy(copy, text.data(), text.size());
        copy[text.size()] = '\0';
    }
    return copy;
}

void give(char** out, std::string_view text) {
    if (out != nullptr) {
        *out = copy_of(text);
    }
}

std::optional<shopd::http::Method> method_named(std::string_view name) {
    using shopd::http::Method;
    for (const auto method : {Method::get, Method::head, Method::post, Method::put, Method::patch,
                              Method::delete_, Method::options}) {
        if (shopd::http::method_name(method) == name) {
            return method;
        }
    }
    return std::nullopt;
}

}  // namespace

extern "C" {

int shopd_start(const char* config_toml, shopd_handle** out, char** error) {
    if (out == nullptr) {
        give(error, "shopd_start: out is NULL");
        return 1;
    }
    *out = nullptr;
    try {
        auto modules = shopd::builtin_modules();
        shopd::config::ConfigSources sources;
        if (config_toml != nullptr && *config_toml != '\0') {
            sources.text = config_toml;
        }
        const auto config = shopd::config::load_config(sources, shopd::settings_of(modules));
        shopd::telemetry::configure_logging(config.log.level, config.log.format);
        auto shop = std::make_unique<shopd_handle>();
        shop->app =
            std::make_unique<shopd::App>(config, std::move(modules), shopd::builtin_openapi());
        shop->app->start();
        *out = shop.release();
        return 0;
    } catch (const std::exception& failure) {
        give(error, failure.what());
        return 1;
    }
}

unsigned short shopd_port(const shopd_handle* s) {
    return s == nullptr ? 0 : s->app->port();
}

int shopd_request(shopd_handle* s, const char* method, const char* path, const char* body,
                  size_t body_len, int* status, char** response, size_t* response_len) {
    return shopd_request_headers(s, method, path, nullptr, body, body_len, status, nullptr,
                                 response, response_len);
}

int shopd_request_headers(shopd_handle* s, const char* method, const char* path,
                          const char* const* headers, const char* body, size_t body_len,
                          int* status, char** response_headers, char** response,
                          size_t* response_len) {
    const auto refuse = [&](std::string_view why) {
        give(response, why);
        if (response_len != nullptr) {
            *response_len = why.size();
        }
        return 1;
    };
    if (s == nullptr || method == nullptr || path == nullptr) {
        return refuse("shopd_request: the shop, the method and the path must not be NULL");
    }
    if (body == nullptr && body_len != 0) {
        return refuse("shopd_request: body is NULL but body_len is not 0");
    }
    const auto verb = method_named(method);
    if (!verb) {
        return refuse(std::string{"shopd_request: unknown method '"} + method + "'");
    }
    try {
        shopd::http::Request request;
        if (!shopd::http::read_target(path, request)) {
            return refuse(std::string{"shopd_request: '"} + path +
                          "' is not a path with an optional query");
        }
        request.method = *verb;
        for (auto header = headers; header != nullptr && *header != nullptr; ++header) {
            const std::string_view line = *header;
            const auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) {
                return refuse(std::string{"shopd_request: header '"} + *header +
                              "' is not 'Name: value'");
            }
            auto value = line.substr(colon + 1);
            value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
            request.headers.push_back({std::string{line.substr(0, colon)}, std::string{value}});
        }
        if (body_len != 0) {
            request.body.assign(body, body_len);
            if (!request.header("Content-Type")) {
                request.headers.push_back({"Content-Type", "application/json"});
            }
        }
        auto answer = s->app->handle(std::move(request));
        if (status != nullptr) {
            *status = static_cast<int>(answer.status);
        }
        if (response_headers != nullptr) {
            std::string lines;
            if (!answer.content_type.empty()) {
                lines += "Content-Type: " + answer.content_type + "\r\n";
            }
            for (const auto& header : answer.headers) {
                lines += header.name + ": " + header.value + "\r\n";
            }
            *response_headers = copy_of(lines);
        }
        give(response, answer.body);
        if (response_len != nullptr) {
            *response_len = answer.body.size();
        }
        return 0;
    } catch (const std::exception& failure) {
        return refuse(failure.what());
    }
}

int shopd_wait_idle(shopd_handle* s, int timeout_ms) {
    if (s == nullptr) {
        return 0;
    }
    return s->app->wait_until_idle(std::chrono::milliseconds(std::max(timeout_ms, 0))) ? 1 : 0;
}

const char* shopd_version(void) {
    return SHOPD_VERSION;
}

void shopd_stop(shopd_handle* s) {
    if (s == nullptr) {
        return;
    }
    s->app->stop();
    delete s;
}

void shopd_free(void* p) {
    std::free(p);
}

}  // extern "C"
