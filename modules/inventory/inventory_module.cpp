// Wiring of the inventory module: its schema, messages, routes and the expiry of reservations.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <memory>

#include <shopd/digest.hpp>
#include <shopd/module.hpp>
#include <shopd/modules.hpp>

#include "inventory_settings.hpp"
#include "migrations.hpp"
#include "picture.hpp"
#include "product_request.hpp"
#include "stock.hpp"

namespace shopd::inventory {
namespace json = boost::json;
using http::Method;
using namespace contracts::inventory;

namespace {

// Who reads the catalog; auth.public may open it to anyone.
const Roles kCatalogReaders{Role::customer, Role::kiosk, Role::operator_};

http::Response unknown_product(const std::string& sku) {
    return http::problem(404, "not-found", "Not found", fmt::format("no product '{}'", sku));
}

// A picture as served: by its type and version; even opened by itself an SVG runs nothing. The
// product's "image" URL names the version (?v=), so what it answers may be kept.
http::Response picture_response(const http::Request& request, Picture picture) {
    http::Response response;
    response.content_type = picture.content_type;
    const bool versioned = request.query_param("v") == picture.etag.substr(1, 12);
    response.headers = {
        {"ETag", picture.etag},
        {"Cache-Control", versioned ? "public, max-age=31536000, immutable" : "no-cache"},
        {"Content-Security-Policy",
         "default-src 'none'; style-src 'unsafe-inline'; "
         "sandbox"},
        {"X-Content-Type-Options", "nosniff"}};
    if (http::not_modified(request, picture.etag)) {
        response.status = 304;
    } else {
        response.body = std::move(picture.bytes);
    }
    return response;
}

void add_routes(ModuleBuilder& builder, std::shared_ptr<const Stock> stock) {
    auto& work = builder.work();
    builder.route(
        {Method::post,
         "/api/products",
         http::Body::json,
         {Role::operator_},
         [&work, stock](const http::Request& request, http::Reply reply) {
             auto parsed = read_new_product(request.json.as_object());
             if (auto* errors = std::get_if<std::vector<http::FieldError>>(&parsed)) {
                 reply(http::validation_problem(*errors));
                 return;
             }
             work.answer(
                 request, reply, {},
                 [stock,
                  product = std::get<NewProduct>(std::move(parsed))](UnitOfWork& unit_of_work) {
                     if (!stock->add_product(unit_of_work, product).has_value()) {
                         return http::problem(
                             409, "conflict", "Conflict",
                             fmt::format("product '{}' exists already", product.sku));
                     }
                     auto response =
                         http::json_response(201, *stock->product(unit_of_work, Sku{product.sku}));
                     response.headers.push_back({"Location", "/api/products/" + product.sku});
                     return response;
                 });
         }});
    builder.route({Method::get, "/api/products", http::Body::none, kCatalogReaders,
                   [&work, stock](const http::Request& request, http::Reply reply) {
                       auto parsed = read_product_query(request);
                       if (auto* errors = std::get_if<std::vector<http::FieldError>>(&parsed)) {
                           reply(http::validation_problem(*errors));
                           return;
                       }
                       work.answer(request, reply, {},
                                   [stock, query = std::get<ProductQuery>(std::move(parsed))](
                                       UnitOfWork& unit_of_work) {
                                       auto items = stock->products(unit_of_work, query);
                                       return http::page_response(
                                           std::move(items), {query.limit, query.after}, "sku");
                                   });
                   }});
    builder.route({Method::get, "/api/products/{sku}", http::Body::none, kCatalogReaders,
                   [&work, stock](const http::Request& request, http::Reply reply) {
                       work.answer(request, reply, {},
                                   [stock, sku = request.param("sku")](UnitOfWork& unit_of_work) {
                                       const auto product = stock->product(unit_of_work, Sku{sku});
                                       return product ? http::json_response(200, *product)
                                                      : unknown_product(sku);
                                   });
                   }});
    builder.route({Method::patch,
                   "/api/products/{sku}",
                   http::Body::json,
                   {Role::operator_},
                   [&work, stock](const http::Request& request, http::Reply reply) {
                       auto parsed = read_product_change(request.json.as_object());
                       if (auto* errors = std::get_if<std::vector<http::FieldError>>(&parsed)) {
                           reply(http::validation_problem(*errors));
                           return;
                       }
                       work.answer(request, reply, {},
                                   [stock, change = std::get<ProductChange>(std::move(parsed)),
                                    sku = request.param("sku")](UnitOfWork& unit_of_work) {
                                       if (!stock->change(unit_of_work, Sku{sku}, change)) {
                                           return unknown_product(sku);
                                       }
                                       return http::json_response(
                                           200, *stock->product(unit_of_work, Sku{sku}));
                                   });
                   }});
    builder.route(
        {Method::put,
         "/api/products/{sku}/image",
         http::Body::bytes,
         {Role::operator_},
         [&work, stock](const http::Request& request, http::Reply reply) {
             if (request.body.size() > kMaxPictureBytes) {
                 reply(http::problem(
                     413, "too-large", "Picture too large",
                     fmt::format("a picture holds at most {} bytes", kMaxPictureBytes)));
                 return;
             }
             const auto type = picture_type(request.body);
             if (!type) {
                 reply(http::problem(415, "unsupported-media-type", "Not a picture",
                                     "send a PNG, JPEG, WebP or SVG picture (an SVG without "
                                     "scripts, event handlers or links outside itself)"));
                 return;
             }
             Picture picture{std::string{*type}, '"' + sha256_hex(request.body).substr(0, 20) + '"',
                             request.body};
             work.answer(request, reply, {},
                         [stock, picture = std::move(picture),
                          sku = request.param("sku")](UnitOfWork& unit_of_work) {
                             if (!stock->set_picture(unit_of_work, Sku{sku}, picture)) {
                                 return unknown_product(sku);
                             }
                             return http::json_response(200,
                                                        *stock->product(unit_of_work, Sku{sku}));
                         });
         }});
    builder.route({Method::get, "/api/products/{sku}/image", http::Body::none, kCatalogReaders,
                   [&work, stock](const http::Request& request, http::Reply reply) {
                       work.answer(request, reply, {},
                                   [stock, sku = request.param("sku"),
                                    request](UnitOfWork& unit_of_work) -> http::Response {
                                       auto picture = stock->picture(unit_of_work, Sku{sku});
                                       if (!picture) {
                                           return http::problem(
                                               404, "not-found", "Not found",
                                               fmt::format("product '{}' has no picture", sku));
                                       }
                                       return picture_response(request, std::move(*picture));
                                   });
                   }});
    builder.route(
        {Method::post,
         "/api/products/{sku}/stock",
         http::Body::json,
         {Role::operator_},
         [&work, stock](const http::Request& request, http::Reply reply) {
             auto parsed = read_stock_delta(request.json.as_object());
             if (auto* errors = std::get_if<std::vector<http::FieldError>>(&parsed)) {
                 reply(http::validation_problem(*errors));
                 return;
             }
             work.answer(
                 request, reply, {},
                 [stock, delta = std::get<std::int64_t>(parsed),
                  sku = request.param("sku")](UnitOfWork& unit_of_work) {
                     const auto adjusted = stock->adjust(unit_of_work, Sku{sku}, delta);
                     if (!adjusted && adjusted.error().code == errc::unknown_product) {
                         return unknown_product(sku);
                     }
                     if (!adjusted) {
                         return http::problem(
                             409, "insufficient-stock", "Conflict",
                             fmt::format("stock of '{}' cannot fall below what is reserved", sku));
                     }
                     return http::json_response(200, *stock->product(unit_of_work, Sku{sku}));
                 });
         }});
}

}  // namespace

ModuleDefinition module() {
    return {"inventory",
            [](ModuleBuilder& builder) {
                builder.migrations(migrations());
                builder.publishes<StockReserved>();
                builder.publishes<StockRejected>();
                builder.publishes<StockReleased>();
                builder.publishes<StockCommitted>();
                builder.publishes<ProductPriced>();
                builder.publishes<LowStock>();

                const auto& settings = builder.settings<InventorySettings>();
                auto stock = std::make_shared<const Stock>(settings);
                builder.subscribe<ReserveStock>(
                    [stock](UnitOfWork& unit_of_work, const ReserveStock& command) {
                        stock->reserve(unit_of_work, command);
                    });
                builder.subscribe<ReleaseStock>(
                    [stock](UnitOfWork& unit_of_work, const ReleaseStock& command) {
                        stock->release(unit_of_work, command);
                    });
                builder.subscribe<CommitStock>(
                    [stock](UnitOfWork& unit_of_work, const CommitStock& command) {
                        stock->commit(unit_of_work, command);
                    });
                add_routes(builder, stock);

                builder.every(
                    settings.expiry_check_interval, "expiring reservations",
                    [stock](UnitOfWork& unit_of_work) { stock->expire_lapsed(unit_of_work); });
            },
            inventory_settings()};
}

}  // namespace shopd::inventory
