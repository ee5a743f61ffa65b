#pragma once
// An identifier that only meets identifiers of its own kind: an order id cannot be passed
// where a SKU is wanted. The wire and the databases keep plain strings.

#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace shopd {

template <class Tag>
class StrongId {
  public:
    StrongId() = default;
    explicit StrongId(std::string value) : value_(std::move(value)) {}

    const std::string& str() const { return value_; }
    bool empty() const { return value_.empty(); }

    friend auto operator<=>(const StrongId&, const StrongId&) = default;
    friend bool operator==(const StrongId&, const StrongId&) = default;

  private:
    std::string value_;
};

}  // namespace shopd

template <class Tag>
struct std::hash<shopd::StrongId<Tag>> {
    std::size_t operator()(const shopd::StrongId<Tag>& id) const noexcept {
        return std::hash<std::string>{}(id.str());
    }
};
