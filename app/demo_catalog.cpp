#include "demo_catalog.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "http/web_files.hpp"

namespace shopd {
namespace json = boost::json;

namespace {

http::Response call(App& app, http::Method method, const std::string& target,
                    std::string content_type, std::string body) {
    http::Request request;
    request.method = method;
    http::read_target(target, request);
    if (!content_type.empty()) {
        request.headers.push_back({"Content-Type", std::move(content_type)});
    }
    request.body = std::move(body);
    auto response = app.handle(std::move(request));
    if (response.status >= 300) {
        throw std::runtime_error(fmt::format("--demo: {} {} was answered {}: {}",
                                             http::method_name(method), target, response.status,
                                             response.body));
    }
    return response;
}

const http::WebFile& demo_file(const std::string& name) {
    const auto* file = http::web_file("/demo/" + name);
    if (file == nullptr) {
        throw std::runtime_error("--demo: the demo file " + name + " is not built in");
    }
    return *file;
}

}  // namespace

void seed_demo_catalog(App& app) {
    const auto listed =
        json::parse(call(app, http::Method::get, "/api/products?limit=1&active=any", {}, {}).body);
    if (!listed.at("items").as_array().empty()) {
        spdlog::info("--demo: the catalog holds products already; it is left as it is");
        return;
    }
    const auto catalog = json::parse(demo_file("catalog.json").body);
    const auto& products = catalog.at("products").as_array();
    for (const auto& entry : products) {
        auto product = entry.as_object();
        const auto picture = std::string{product.at("picture").as_string()};
        product.erase("picture");
        const auto sku = std::string{product.at("sku").as_string()};
        call(app, http::Method::post, "/api/products", "application/json",
             json::serialize(product));
        const auto& file = demo_file(picture);
        call(app, http::Method::put, "/api/products/" + sku + "/image",
             std::string{file.content_type}, std::string{file.body});
    }
    if (!app.wait_until_idle(std::chrono::seconds(30))) {
        throw std::runtime_error("--demo: the shop did not settle after seeding the catalog");
    }
    spdlog::info("--demo: seeded {} products", products.size());
}

}  // namespace shopd
