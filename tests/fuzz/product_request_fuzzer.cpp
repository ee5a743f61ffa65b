// The inventory's POST bodies (a new product, a stock adjustment): each is refused naming the
// wrong fields, or read into values within the limits the stock rules rely on.
#include "fuzz_support.hpp"
#include "product_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace shopd;
    using namespace shopd::inventory;
    using fuzz::require;
    const auto body = fuzz::request_body(fuzz::text_of(data, size));
    if (!body) {
        return 0;
    }

    auto product = read_new_product(*body);
    if (const auto* errors = std::get_if<std::vector<http::FieldError>>(&product)) {
        fuzz::require_clear_refusal(*errors);
    } else {
        const auto& accepted = std::get<NewProduct>(product);
        require(!accepted.sku.empty() && accepted.sku.size() <= 64, "the sku is 1 to 64 bytes");
        require(!accepted.name.empty() && accepted.name.size() <= 200,
                "the name is 1 to 200 bytes");
        require(accepted.price_cents >= 0 && accepted.price_cents <= kMaxPriceCents,
                "the price is within its limits");
        require(accepted.currency.size() == 3, "the currency is a three-letter code");
        require(accepted.stock >= 0 && accepted.stock <= kMaxStock,
                "the stock is within its limits");
        require(accepted.weight_grams >= 0 && accepted.weight_grams <= kMaxWeightGrams,
                "the weight is within its limits");
    }

    auto delta = read_stock_delta(*body);
    if (const auto* errors = std::get_if<std::vector<http::FieldError>>(&delta)) {
        fuzz::require_clear_refusal(*errors);
    } else {
        const auto accepted = std::get<std::int64_t>(delta);
        require(accepted >= -kMaxStock && accepted <= kMaxStock, "the delta is within its limits");
    }
    return 0;
}
