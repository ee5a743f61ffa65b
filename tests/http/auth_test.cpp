// Who may do what, over real HTTP: the route table against the OpenAPI document, every
// operation for every role, ownership, keys, sessions and bad credentials.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <map>
#include <set>

#include <shopd/app.hpp>
#include <shopd/modules.hpp>

#include "support/shop.hpp"
#include "support/tokens.hpp"

namespace shopd::testing {
namespace {

namespace json = boost::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

const std::vector<std::string> kRoles{"customer", "kiosk", "operator", "admin"};

json::object openapi_document() {
    return json::parse(builtin_openapi()).as_object();
}

std::set<std::string> names_of(const Roles& roles) {
    std::set<std::string> names{"admin"};
    for (const auto role : roles) {
        names.insert(std::string{role_name(role)});
    }
    if (names.contains("anyone")) {
        return {"anyone"};
    }
    return names;
}

std::set<std::string> documented_roles(const json::object& operation) {
    std::set<std::string> names;
    for (const auto& role : operation.at("x-shopd-roles").as_array()) {
        names.insert(std::string{role.as_string()});
    }
    return names;
}

std::string upper(std::string text) {
    for (auto& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

// A path of the document with each {parameter} filled in.
std::string concrete(const std::string& pattern) {
    std::string path;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{') {
            i = pattern.find('}', i);
            path += "x1";
        } else {
            path += pattern[i];
        }
    }
    return path;
}

Config secured_config() {
    auto config = shop_config();
    config.server.test_mode = true;
    return config;
}

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A shop that has keys: the first one is made while it is still open, which closes it. With
// JWT settings it is closed from the start, and the admin is a token.
struct SecuredShop {
    explicit SecuredShop(Config config = secured_config()) : shop(config) {
        if (!config.auth.jwt_hs256_secret.empty()) {
            admin = hs256_token(
                config.auth.jwt_hs256_secret,
                json::object{{"sub", "root"}, {"role", "admin"}, {"exp", unix_seconds() + 600}});
        } else {
            const auto made =
                shop.post("/api/admin/keys", json::object{{"name", "root"}, {"role", "admin"}});
            REQUIRE(made.status == 201);
            admin = text(made.json().at("key"));
        }
        REQUIRE(shop.http->get("/api/admin/outbox").status == 401);
    }

    std::string key(const std::string& role, const std::string& name) {
        const auto made = call("POST", "/api/admin/keys", admin,
                               json::serialize(json::object{{"name", name}, {"role", role}}));
        REQUIRE(made.status == 201);
        return text(made.json().at("key"));
    }

    HttpResult call(const std::string& method, const std::string& target, const std::string& key,
                    const std::string& body = {}, Headers headers = {}) {
        if (!key.empty()) {
            headers.emplace_back("Authorization", "Bearer " + key);
        }
        if (!body.empty()) {
            headers.emplace_back("Content-Type", "application/json");
        }
        return shop.http->request(method, target, body, std::move(headers));
    }

    // An event stream's status: read until its header is complete, not until it ends.
    unsigned stream_status(const std::string& target, const std::string& key) {
        IdleConnection connection(shop.app.port());
        connection.send("GET " + target + " HTTP/1.1\r\nHost: shopd\r\n" +
                        (key.empty() ? "" : "Authorization: Bearer " + key + "\r\n") + "\r\n");
        const auto head = connection.read_until("\r\n\r\n", std::chrono::seconds(10));
        REQUIRE(head.size() > 12);
        return static_cast<unsigned>(std::stoi(head.substr(9, 3)));
    }

    unsigned status(const std::string& method, const std::string& pattern, const std::string& key) {
        const auto target = concrete(pattern);
        if (pattern.ends_with("/stream")) {
            return stream_status(target, key);
        }
        const bool takes_body = method == "POST";
        return call(method, target, key, takes_body ? "{}" : "").status;
    }

    TestShop shop;
    std::string admin;
};

}  // namespace

TEST_CASE("every route declares the roles that its operation in the OpenAPI document lists") {
    TestShop shop(secured_config());
    const auto document = openapi_document();
    std::set<std::string> served;
    for (const auto& operation : shop.app.operations()) {
        const auto method = std::string{http::method_name(operation.method)};
        const auto name = method + " " + operation.pattern;
        served.insert(name);
        const auto* path = document.at("paths").as_object().if_contains(operation.pattern);
        INFO(name);
        REQUIRE(path != nullptr);
        std::string lower = method;
        for (auto& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const auto* documented = path->as_object().if_contains(lower);
        REQUIRE(documented != nullptr);
        CHECK(documented_roles(documented->as_object()) == names_of(operation.roles));
        const bool open = names_of(operation.roles) == std::set<std::string>{"anyone"};
        CHECK(documented->as_object().at("security").as_array().empty() == open);
    }
    for (const auto& [pattern, item] : document.at("paths").as_object()) {
        for (const auto& [method, operation] : item.as_object()) {
            if (operation.is_object() && operation.as_object().contains("x-shopd-roles")) {
                INFO(std::string{method} + " " + std::string{pattern});
                CHECK(served.contains(upper(std::string{method}) + " " + std::string{pattern}));
            }
        }
    }
}

TEST_CASE("the operations open by default are the ones the document marks, and no others") {
    const auto document = openapi_document();
    const AuthConfig defaults;
    std::set<std::string> marked;
    for (const auto& [pattern, item] : document.at("paths").as_object()) {
        for (const auto& [method, operation] : item.as_object()) {
            if (operation.as_object().contains("x-shopd-public-by-default")) {
                marked.insert(upper(std::string{method}) + " " + std::string{pattern});
            }
        }
    }
    std::set<std::string> documented_defaults;
    for (const auto& operation : defaults.public_operations) {
        const auto space = operation.find(' ');
        auto method = operation.substr(0, space);
        for (auto& c : method) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const auto* path =
            document.at("paths").as_object().if_contains(operation.substr(space + 1));
        if (path != nullptr && path->as_object().contains(method)) {
            documented_defaults.insert(operation);
        }
    }
    CHECK(marked == documented_defaults);
}

TEST_CASE("every operation answers every role, and no credentials, as its x-shopd-roles says") {
    auto config = secured_config();
    config.auth.public_operations.clear();
    SecuredShop secured(config);
    std::map<std::string, std::string> keys{{"admin", secured.admin}};
    for (const auto& role : {"customer", "kiosk", "operator"}) {
        keys[role] = secured.key(role, std::string{role} + "-1");
    }
    const auto document = openapi_document();
    int cells = 0;
    for (const auto& [pattern, item] : document.at("paths").as_object()) {
        for (const auto& [method, operation] : item.as_object()) {
            const auto roles = documented_roles(operation.as_object());
            const auto name = upper(std::string{method}) + " " + std::string{pattern};
            {
                INFO(name << " without credentials");
                const auto status =
                    secured.status(upper(std::string{method}), std::string{pattern}, "");
                INFO("answered " << status);
                CHECK((roles.contains("anyone") ? status != 401 && status != 403 : status == 401));
            }
            for (const auto& role : kRoles) {
                INFO(name << " as " << role);
                const auto status =
                    secured.status(upper(std::string{method}), std::string{pattern}, keys.at(role));
                const bool allowed = roles.contains("anyone") || roles.contains(role);
                INFO("answered " << status);
                CHECK((allowed ? status != 401 && status != 403 : status == 403));
                ++cells;
            }
        }
    }
    CHECK(cells > 100);
}

TEST_CASE("the default public operations answer without credentials once keys exist") {
    SecuredShop secured;
    CHECK(secured.call("GET", "/api/products", "").status == 200);
    CHECK(secured.call("GET", "/api/products/nothing", "").status == 404);
    CHECK(secured.call("GET", "/metrics", "").status == 200);
    CHECK(secured.call("POST", "/api/products", "", "{}").status == 401);
    CHECK(secured.call("GET", "/api/orders", "").status == 401);
}

TEST_CASE("a customer sees only its own orders, payments, shipments and notifications") {
    SecuredShop secured;
    const auto alice = secured.key("customer", "alice");
    const auto bob = secured.key("customer", "bob");
    const json::object product{{"sku", "MUG"},      {"name", "Mug"}, {"price_cents", 1200},
                               {"currency", "EUR"}, {"stock", 10},   {"weight_grams", 300}};
    REQUIRE(secured.call("POST", "/api/products", secured.admin, json::serialize(product)).status ==
            201);
    secured.shop.settle();

    auto body = TestShop::order_body("alice", {{"MUG", 1}}, "tok_ok");
    body.erase("customer_id");
    const auto placed = secured.call("POST", "/api/orders", alice, json::serialize(body));
    REQUIRE(placed.status == 202);
    const auto order_id = text(placed.json().at("id"));
    secured.shop.settle();

    const auto own = secured.call("GET", "/api/orders/" + order_id, alice);
    REQUIRE(own.status == 200);
    CHECK(text(own.json().at("customer_id")) == "alice");
    CHECK(text(own.json().at("status")) == "confirmed");

    CHECK(secured.call("GET", "/api/orders/" + order_id, bob).status == 404);
    CHECK(secured.call("POST", "/api/orders/" + order_id + "/cancel", bob).status == 404);
    const auto listed = [&](const std::string& target, const std::string& key) {
        const auto result = secured.call("GET", target, key);
        REQUIRE(result.status == 200);
        return result.json().at("items").as_array().size();
    };
    CHECK(listed("/api/orders?customer_id=alice", bob) == 0);
    CHECK(listed("/api/orders", bob) == 0);
    CHECK(listed("/api/orders", alice) == 1);
    CHECK(listed("/api/payments?order_id=" + order_id, bob) == 0);
    CHECK(listed("/api/payments?order_id=" + order_id, alice) == 1);
    CHECK(listed("/api/shipments?order_id=" + order_id, bob) == 0);
    CHECK(listed("/api/notifications?order_id=" + order_id, bob) == 0);
    CHECK(listed("/api/notifications?customer_id=alice", bob) == 0);
    CHECK(listed("/api/notifications?order_id=" + order_id, alice) == 1);
    const auto payment = secured.call("GET", "/api/payments?order_id=" + order_id, alice);
    const auto payment_id = text(payment.json().at("items").at(0).at("id"));
    CHECK(secured.call("GET", "/api/payments/" + payment_id, bob).status == 404);
    CHECK(secured.call("GET", "/api/payments/" + payment_id, alice).status == 200);
    CHECK(secured.stream_status("/api/notifications/stream?customer_id=alice", bob) == 404);
    CHECK(listed("/api/orders?customer_id=alice", secured.admin) == 1);

    auto for_bob = TestShop::order_body("bob", {{"MUG", 1}}, "tok_ok");
    CHECK(secured.call("POST", "/api/orders", alice, json::serialize(for_bob)).status == 403);
}

TEST_CASE("a kiosk reads back the orders it placed and no other kiosk's") {
    SecuredShop secured;
    const auto front = secured.key("kiosk", "front-door");
    const auto back = secured.key("kiosk", "back-door");
    const json::object product{{"sku", "CAP"},      {"name", "Cap"}, {"price_cents", 900},
                               {"currency", "EUR"}, {"stock", 10},   {"weight_grams", 100}};
    REQUIRE(secured.call("POST", "/api/products", secured.admin, json::serialize(product)).status ==
            201);
    secured.shop.settle();
    const auto placed =
        secured.call("POST", "/api/orders", front,
                     json::serialize(TestShop::order_body("walk-in-7", {{"CAP", 1}}, "tok_ok")));
    REQUIRE(placed.status == 202);
    const auto order_id = text(placed.json().at("id"));

    const auto read = secured.call("GET", "/api/orders/" + order_id, front);
    REQUIRE(read.status == 200);
    CHECK(text(read.json().at("placed_by")) == "front-door");
    CHECK(secured.call("GET", "/api/orders/" + order_id, back).status == 404);
    CHECK(secured.call("GET", "/api/orders", back).json().at("items").as_array().empty());
    CHECK(secured.call("GET", "/api/orders", front).json().at("items").as_array().size() == 1);
    CHECK(secured.call("POST", "/api/orders/" + order_id + "/cancel", front).status == 403);
}

TEST_CASE("a revoked key stops working with the next request") {
    SecuredShop secured;
    const auto ops = secured.key("operator", "ops");
    CHECK(secured.call("GET", "/api/admin/outbox", ops).status == 200);
    const auto listed = secured.call("GET", "/api/admin/keys", secured.admin);
    REQUIRE(listed.status == 200);
    CHECK(listed.body.find("shopd_") == std::string::npos);
    CHECK(listed.json().at("items").as_array().size() == 2);
    CHECK(secured.call("DELETE", "/api/admin/keys/ops", ops).status == 403);
    CHECK(secured.call("DELETE", "/api/admin/keys/ops", secured.admin).status == 204);
    const auto refused = secured.call("GET", "/api/admin/outbox", ops);
    CHECK(refused.status == 401);
    CHECK(refused.header("WWW-Authenticate").starts_with("Bearer"));
    CHECK(secured.call("DELETE", "/api/admin/keys/ops", secured.admin).status == 404);
}

TEST_CASE(
    "a session cookie signs a page in, its changes need X-Shopd-Request, and revoking "
    "the key ends it") {
    SecuredShop secured;
    const auto ops = secured.key("operator", "console");
    const auto signed_in = secured.call("POST", "/api/session", ops);
    REQUIRE(signed_in.status == 200);
    CHECK(text(signed_in.json().at("role")) == "operator");
    const auto set_cookie = signed_in.header("Set-Cookie");
    CHECK(set_cookie.find("HttpOnly") != std::string::npos);
    CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(set_cookie.find(ops) == std::string::npos);
    const auto cookie = set_cookie.substr(0, set_cookie.find(';'));
    const Headers with_cookie{{"Cookie", cookie}};

    CHECK(secured.call("GET", "/api/admin/outbox", "", {}, with_cookie).status == 200);
    const auto who = secured.call("GET", "/api/session", "", {}, with_cookie);
    CHECK(text(who.json().at("id")) == "console");
    const auto product = json::serialize(json::object{{"sku", "PEN"},
                                                      {"name", "Pen"},
                                                      {"price_cents", 150},
                                                      {"currency", "EUR"},
                                                      {"stock", 5},
                                                      {"weight_grams", 20}});
    CHECK(secured.call("POST", "/api/products", "", product, with_cookie).status == 403);
    auto confirmed = with_cookie;
    confirmed.emplace_back("X-Shopd-Request", "1");
    CHECK(secured.call("POST", "/api/products", "", product, confirmed).status == 201);

    REQUIRE(secured.call("DELETE", "/api/admin/keys/console", secured.admin).status == 204);
    CHECK(secured.call("GET", "/api/admin/outbox", "", {}, with_cookie).status == 401);
}

TEST_CASE("malformed and unknown credentials are 401 with WWW-Authenticate, never a 500") {
    SecuredShop secured;
    const auto outbox = [&](Headers headers) {
        return secured.shop.http->request("GET", "/api/products", {}, std::move(headers));
    };
    for (const auto& value :
         {"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer shopd_00_11",
          "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer ###.###.###"}) {
        const auto result = outbox({{"Authorization", value}});
        INFO(value);
        CHECK(result.status == 401);
        CHECK(result.header("WWW-Authenticate").starts_with("Bearer"));
        CHECK(result.json().at("type").as_string() == "urn:shopd:problem:unauthorized");
    }
    const auto raw = [&](const std::string& headers) {
        return raw_exchange(secured.shop.app.port(),
                            "GET /api/products HTTP/1.1\r\nHost: shopd\r\nConnection: close\r\n" +
                                headers + "\r\n");
    };
    const auto twice = raw("Authorization: Bearer " + secured.admin + "\r\nAuthorization: Bearer " +
                           secured.admin + "\r\n");
    CHECK(twice.starts_with("HTTP/1.1 401"));
    CHECK(twice.find("more than one Authorization header") != std::string::npos);
    const auto huge = raw("Authorization: Bearer " + std::string(64 * 1024, 'a') + "\r\n");
    CHECK(huge.starts_with("HTTP/1.1 431"));
    CHECK(secured.call("GET", "/api/admin/outbox", secured.admin).status == 200);
}

TEST_CASE("an HS256 JWT's sub is the customer and its role claim the role") {
    auto config = secured_config();
    config.auth.jwt_hs256_secret = std::string(32, 's');
    SecuredShop secured(config);
    const auto now = unix_seconds();
    const auto customer = hs256_token(config.auth.jwt_hs256_secret,
                                      json::object{{"sub", "carol"}, {"exp", now + 600}});
    const auto operator_token =
        hs256_token(config.auth.jwt_hs256_secret,
                    json::object{{"sub", "staff-9"}, {"role", "operator"}, {"exp", now + 600}});
    const auto expired = hs256_token(config.auth.jwt_hs256_secret,
                                     json::object{{"sub", "carol"}, {"exp", now - 3600}});
    const auto who = secured.call("GET", "/api/session", customer);
    REQUIRE(who.status == 200);
    CHECK(text(who.json().at("role")) == "customer");
    CHECK(text(who.json().at("id")) == "carol");
    CHECK(secured.call("GET", "/api/admin/outbox", customer).status == 403);
    CHECK(secured.call("GET", "/api/admin/outbox", operator_token).status == 200);
    CHECK(secured.call("GET", "/api/orders", expired).status == 401);
    const auto wrong_secret =
        hs256_token(std::string(32, 't'), json::object{{"sub", "carol"}, {"exp", now + 600}});
    CHECK(secured.call("GET", "/api/orders", wrong_secret).status == 401);
}

}  // namespace shopd::testing

namespace shopd::testing {

TEST_CASE("a client over its rate limit gets 429 with Retry-After; another client does not") {
    auto config = secured_config();
    config.rate_limit.enabled = true;
    // One request a minute: nothing refills while the test runs, however slow the machine.
    config.rate_limit.read_per_minute = 1;
    config.rate_limit.burst = 2;
    SecuredShop secured(config);
    const auto ops = secured.key("operator", "ops");
    const auto first = secured.call("GET", "/api/admin/outbox", ops);
    CHECK(first.status == 200);
    CHECK(first.header("RateLimit-Policy") == "\"read\";q=1;w=60");
    CHECK(first.header("RateLimit").starts_with("\"read\";r=1;t="));
    CHECK(secured.call("GET", "/api/admin/outbox", ops).status == 200);
    const auto limited = secured.call("GET", "/api/admin/outbox", ops);
    CHECK(limited.status == 429);
    const auto retry_after = std::stoi(limited.header("Retry-After"));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 60);
    CHECK(text(limited.json().at("type")) == "urn:shopd:problem:rate-limited");
    CHECK(secured.call("GET", "/api/admin/outbox", secured.admin).status == 200);
    CHECK(secured.call("GET", "/healthz", ops).status == 200);  // probes are not limited
    const auto metrics = secured.call("GET", "/metrics", secured.admin).body;
    CHECK(metrics.find("shopd_rate_limited_total{class=\"read\"} 1") != std::string::npos);
    CHECK(metrics.find("shopd_rate_limited_total{class=\"intake\"} 0") != std::string::npos);
}

TEST_CASE("a flood of bad credentials is rate-limited by address like everything else") {
    auto config = secured_config();
    config.rate_limit.enabled = true;
    config.rate_limit.read_per_minute = 1;  // nothing refills while the test runs
    config.rate_limit.burst = 3;
    SecuredShop secured(config);
    std::vector<unsigned> statuses;
    for (int i = 0; i < 5; ++i) {
        statuses.push_back(secured.call("GET", "/api/orders", "shopd_00_guess").status);
    }
    // The address spent some of its burst while the shop was set up: 401s, then only 429s.
    CHECK(statuses.front() == 401);
    CHECK(statuses.back() == 429);
    CHECK(std::is_sorted(statuses.begin(), statuses.end()));
    CHECK(std::all_of(statuses.begin(), statuses.end(),
                      [](unsigned status) { return status == 401 || status == 429; }));
}

TEST_CASE(
    "a preflight from an allowed origin is answered and its answers expose the headers; "
    "another origin gets no Access-Control header") {
    auto config = secured_config();
    config.server.cors_origins = {"https://kiosk.example"};
    SecuredShop secured(config);
    const auto preflight = [&](const std::string& origin) {
        return secured.shop.http->request("OPTIONS", "/api/orders", {},
                                          {{"Origin", origin},
                                           {"Access-Control-Request-Method", "POST"},
                                           {"Access-Control-Request-Headers", "authorization"}});
    };
    const auto allowed = preflight("https://kiosk.example");
    CHECK(allowed.status == 204);
    CHECK(allowed.header("Access-Control-Allow-Origin") == "https://kiosk.example");
    CHECK(allowed.header("Access-Control-Allow-Methods").find("POST") != std::string::npos);
    CHECK(allowed.header("Access-Control-Allow-Headers").find("Authorization") !=
          std::string::npos);
    CHECK(allowed.header("Vary") == "Origin");
    const auto refused = preflight("https://evil.example");
    CHECK(refused.status == 403);
    CHECK(refused.header("Access-Control-Allow-Origin").empty());

    const auto answer =
        secured.call("GET", "/api/products", "", {}, {{"Origin", "https://kiosk.example"}});
    CHECK(answer.header("Access-Control-Allow-Origin") == "https://kiosk.example");
    CHECK(answer.header("Access-Control-Expose-Headers").find("RateLimit") != std::string::npos);
    const auto other =
        secured.call("GET", "/api/products", "", {}, {{"Origin", "https://evil.example"}});
    CHECK(other.status == 200);
    CHECK(other.header("Access-Control-Allow-Origin").empty());
}

TEST_CASE("with auth.audit off no mutating call is written to the audit") {
    auto config = secured_config();
    config.auth.audit = false;
    SecuredShop secured(config);
    const auto ops = secured.key("operator", "ops");
    const json::object product{{"sku", "MUG"},      {"name", "Mug"}, {"price_cents", 1200},
                               {"currency", "EUR"}, {"stock", 10},   {"weight_grams", 300}};
    REQUIRE(secured.call("POST", "/api/products", ops, json::serialize(product)).status == 201);
    const auto audit = secured.call("GET", "/api/admin/audit", ops);
    REQUIRE(audit.status == 200);
    CHECK(audit.json().at("items").as_array().empty());
}

TEST_CASE(
    "every mutating call is in the audit with its actor, and the order's timeline names "
    "who placed and who dispatched it") {
    SecuredShop secured;
    const auto ops = secured.key("operator", "ops");
    const auto alice = secured.key("customer", "alice");
    const json::object product{{"sku", "MUG"},      {"name", "Mug"}, {"price_cents", 1200},
                               {"currency", "EUR"}, {"stock", 10},   {"weight_grams", 300}};
    REQUIRE(secured.call("POST", "/api/products", ops, json::serialize(product)).status == 201);
    secured.shop.settle();
    auto body = TestShop::order_body("alice", {{"MUG", 1}}, "tok_ok");
    const auto placed = secured.call("POST", "/api/orders", alice, json::serialize(body));
    REQUIRE(placed.status == 202);
    const auto order_id = text(placed.json().at("id"));
    secured.shop.settle();
    const auto shipments = secured.call("GET", "/api/shipments?order_id=" + order_id, ops);
    const auto shipment_id = text(shipments.json().at("items").at(0).at("id"));
    REQUIRE(secured.call("POST", "/api/shipments/" + shipment_id + "/dispatch", ops).status == 200);
    secured.shop.settle();
    CHECK(secured.call("POST", "/api/orders/" + order_id + "/cancel", alice).status == 409);
    CHECK(secured.call("DELETE", "/api/admin/keys/ops", alice).status == 403);
    CHECK(secured.call("GET", "/api/orders/" + order_id, alice).status == 200);

    // Newest first, two a page: the refused revocation, the refused cancel, the dispatch, ...
    std::vector<json::object> audit;
    std::string cursor;
    do {
        const auto page = secured.call(
            "GET", "/api/admin/audit?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), ops);
        REQUIRE(page.status == 200);
        const auto answer = page.json();
        for (const auto& entry : answer.at("items").as_array()) {
            audit.push_back(entry.as_object());
        }
        const auto& next = answer.at("next_cursor");
        cursor = next.is_null() ? "" : text(next);
    } while (!cursor.empty());
    const auto summary = [](const json::object& entry) {
        return fmt::format("{} {} {} {}", text(entry.at("actor")), text(entry.at("method")),
                           text(entry.at("route")), entry.at("status").as_int64());
    };
    std::vector<std::string> seen;
    for (const auto& entry : audit) {
        seen.push_back(summary(entry));
    }
    CHECK(seen == std::vector<std::string>{
                      "key alice (customer) DELETE /api/admin/keys/{name} 403",
                      "key alice (customer) POST /api/orders/{id}/cancel 409",
                      "key ops (operator) POST /api/shipments/{id}/dispatch 200",
                      "key alice (customer) POST /api/orders 202",
                      "key ops (operator) POST /api/products 201",
                      "key root (admin) POST /api/admin/keys 201",
                      "key root (admin) POST /api/admin/keys 201",
                      "open POST /api/admin/keys 201",
                  });
    CHECK(text(audit.front().at("target")) == "/api/admin/keys/ops");
    CHECK(text(audit.front().at("role")) == "customer");
    CHECK(secured.call("GET", "/api/admin/audit?cursor=x", ops).status == 422);

    const auto order = secured.call("GET", "/api/orders/" + order_id, ops).json();
    std::map<std::string, std::string> actor_of;
    for (const auto& entry : order.at("timeline").as_array()) {
        const auto& actor = entry.at("actor");
        actor_of.emplace(text(entry.at("event")), actor.is_null() ? "" : text(actor));
    }
    CHECK(actor_of.at("status: pending") == "key alice (customer)");
    CHECK(actor_of.at("shipping.shipment_dispatched") == "key ops (operator)");
    CHECK(actor_of.at("status: shipped") == "key ops (operator)");
    CHECK(actor_of.at("status: confirmed").empty());
}

}  // namespace shopd::testing
