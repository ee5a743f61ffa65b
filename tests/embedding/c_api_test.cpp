// The C API as a C program meets it, through libshopd.so.

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include <shopd/shopd.h>

namespace {

const char* const kInProcess =
    "[server]\nlisten = \"\"\ntest_mode = true\n[storage]\nmemory = true\n[log]\nlevel = "
    "\"warn\"\n";

struct Answer {
    int result = -1;
    int status = 0;
    std::string headers;
    std::string body;
};

Answer request(shopd_handle* shop, const char* method, const char* path, const char* body = nullptr,
               const char* const* headers = nullptr) {
    Answer answer;
    char* response = nullptr;
    char* response_headers = nullptr;
    std::size_t length = 0;
    answer.result =
        shopd_request_headers(shop, method, path, headers, body, body ? std::strlen(body) : 0,
                              &answer.status, &response_headers, &response, &length);
    answer.body.assign(response, length);
    if (response_headers != nullptr) {
        answer.headers = response_headers;
    }
    shopd_free(response);
    shopd_free(response_headers);
    return answer;
}

struct Shop {
    Shop() {
        char* error = nullptr;
        REQUIRE(shopd_start(kInProcess, &handle, &error) == 0);
    }
    ~Shop() { shopd_stop(handle); }
    shopd_handle* handle = nullptr;
};

}  // namespace

TEST_CASE("shopd_start refuses a bad setting with its reason, and starts on a good one",
          "[c-api]") {
    shopd_handle* shop = nullptr;
    char* error = nullptr;
    CHECK(shopd_start("[server]\nthreads = \"many\"\n", &shop, &error) != 0);
    CHECK(shop == nullptr);
    REQUIRE(error != nullptr);
    CHECK(std::string{error}.find("server.threads") != std::string::npos);
    shopd_free(error);
    error = nullptr;
    CHECK(shopd_start("[server\n", &shop, &error) != 0);
    CHECK(std::string{error}.find("config:1") != std::string::npos);
    shopd_free(error);
    CHECK(std::string{shopd_version()} == SHOPD_VERSION);
}

TEST_CASE("without a socket the C API places an order and reads it confirmed", "[c-api]") {
    Shop shop;
    CHECK(shopd_port(shop.handle) == 0);
    const auto product =
        request(shop.handle, "POST", "/api/products",
                R"({"sku":"MUG","name":"Mug","price_cents":1250,"currency":"EUR","stock":5})");
    REQUIRE(product.result == 0);
    CHECK(product.status == 201);
    CHECK(product.headers.find("Content-Type: application/json") != std::string::npos);
    REQUIRE(shopd_wait_idle(shop.handle, 10000) == 1);
    const auto placed = request(shop.handle, "POST", "/api/orders",
                                R"({"customer_id":"ada","items":[{"sku":"MUG","quantity":2}],
        "payment_token":"tok_ok","shipping_address":{"name":"Ada","line1":"1 Road",
        "city":"London","postal_code":"N1","country":"GB"}})");
    REQUIRE(placed.status == 202);
    const auto id_at = placed.body.find("\"id\":\"") + 6;
    const auto id = placed.body.substr(id_at, placed.body.find('"', id_at) - id_at);
    REQUIRE(shopd_wait_idle(shop.handle, 10000) == 1);
    const auto order = request(shop.handle, "GET", ("/api/orders/" + id).c_str());
    CHECK(order.status == 200);
    CHECK(order.body.find("\"status\":\"confirmed\"") != std::string::npos);
}

TEST_CASE("the C API refuses a request it cannot make, and shopd refuses bad bodies", "[c-api]") {
    Shop shop;
    CHECK(request(shop.handle, "GET", nullptr).result != 0);
    CHECK(request(shop.handle, nullptr, "/healthz").result != 0);
    CHECK(request(nullptr, "GET", "/healthz").result != 0);
    const auto unknown = request(shop.handle, "BREW", "/healthz");
    CHECK(unknown.result != 0);
    CHECK(unknown.body.find("BREW") != std::string::npos);
    CHECK(request(shop.handle, "GET", "no slash").result != 0);
    const char* const bad_headers[] = {"no colon", nullptr};
    CHECK(request(shop.handle, "GET", "/healthz", nullptr, bad_headers).result != 0);

    const auto broken = request(shop.handle, "POST", "/api/products", "{\"sku\":");
    CHECK(broken.result == 0);
    CHECK(broken.status == 400);
    CHECK(broken.body.find("malformed-json") != std::string::npos);
    const char* const text[] = {"Content-Type: text/plain", nullptr};
    CHECK(request(shop.handle, "POST", "/api/products", "hello", text).status == 415);
    CHECK(request(shop.handle, "GET", "/api/products").body.find("\"items\":[]") !=
          std::string::npos);
    CHECK(request(shop.handle, "GET", "/api/notifications/stream?customer_id=ada").status == 406);
    CHECK(shopd_wait_idle(nullptr, 10) == 0);
}
