// The whole shop inside a C++ program: a product, an order placed in-process, confirmed.
#include <boost/json.hpp>
#include <iostream>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>

shopd::http::Response call(shopd::App& app, shopd::http::Method method, const char* path,
                           std::string body = {}) {
    shopd::http::Request request;
    shopd::http::read_target(path, request);
    request.method = method;
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = std::move(body);
    return app.handle(std::move(request));
}

int main() {
    shopd::Config config;
    config.storage.memory = true;
    config.server.listen = "127.0.0.1:0";
    shopd::App app(config, shopd::builtin_modules());
    app.start();
    using shopd::http::Method;
    call(app, Method::post, "/api/products",
         R"({"sku":"MUG","name":"Mug","price_cents":1250,"currency":"EUR","stock":5})");
    app.wait_until_idle(std::chrono::seconds(10));
    const auto placed = call(app, Method::post, "/api/orders", R"({"customer_id":"ada",
        "items":[{"sku":"MUG","quantity":2}], "payment_token":"tok_ok", "shipping_address":
        {"name":"Ada","line1":"1 Road","city":"London","postal_code":"N1","country":"GB"}})");
    const auto id = boost::json::parse(placed.body).at("id").as_string();
    app.wait_until_idle(std::chrono::seconds(10));
    const auto order = call(app, Method::get, ("/api/orders/" + std::string{id}).c_str());
    const auto status = boost::json::parse(order.body).at("status").as_string();
    std::cout << "order " << id.c_str() << " on port " << app.port() << ": " << status.c_str()
              << "\n";
    app.stop();
    return status == "confirmed" ? 0 : 1;
}
