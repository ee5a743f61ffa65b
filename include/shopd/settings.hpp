#pragma once
// Settings, declared by whoever owns them (a module, or the platform for its own sections): each
// one a key, a default (the member's initial value), a check and one line of help, read into
// the owner's struct. The platform's registry knows nothing else about them: it reads them
// from the config file (section.key), SHOPD_<SECTION>_<KEY> and --set, lists them in --help
// and names the setting and its source when a value is wrong.
//
//   struct ShippingSettings { std::string carrier = "ShopPost"; std::int64_t flat_cost_cents = 499;
//   }; Settings<ShippingSettings>("shipping")
//       .add("carrier", &ShippingSettings::carrier, "Carrier named on every shipment", not_empty())
//       .add("flat_cost_cents", &ShippingSettings::flat_cost_cents, "Cost ...",
//       at_least<std::int64_t>(0));

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <shopd/whole_number.hpp>

namespace shopd {

// Why a value cannot be used; the registry adds which setting and where the value came from.
struct BadValue {
    std::string reason;
};

// How a setting's type is read from text (environment, --set), from a value of the config file
// (as JSON: strings, whole numbers, booleans, arrays), and shown as the file would hold it.
template <class T>
struct SettingCodec;

template <>
struct SettingCodec<std::string> {
    static std::string from_text(std::string_view text) { return std::string{text}; }
    static std::string from_value(const boost::json::value& value) {
        if (const auto* text = value.if_string()) {
            return std::string{*text};
        }
        throw BadValue{"expected a string"};
    }
    static std::string show(const std::string& value) { return "\"" + value + "\""; }
};

template <>
struct SettingCodec<bool> {
    static bool from_text(std::string_view text) {
        if (text == "true" || text == "1") {
            return true;
        }
        if (text == "false" || text == "0") {
            return false;
        }
        throw BadValue{"expected true or false, got '" + std::string{text} + "'"};
    }
    static bool from_value(const boost::json::value& value) {
        if (const auto* flag = value.if_bool()) {
            return *flag;
        }
        throw BadValue{"expected true or false"};
    }
    static std::string show(bool value) { return value ? "true" : "false"; }
};

// A switch that may be left to shopd: "auto" (nullopt), true or false.
template <>
struct SettingCodec<std::optional<bool>> {
    static std::optional<bool> from_text(std::string_view text) {
        if (text == "auto") {
            return std::nullopt;
        }
        if (text == "true" || text == "false") {
            return text == "true";
        }
        throw BadValue{"expected true, false or auto, got '" + std::string{text} + "'"};
    }
    static std::optional<bool> from_value(const boost::json::value& value) {
        if (const auto* text = value.if_string(); text && *text == "auto") {
            return std::nullopt;
        }
        if (const auto* flag = value.if_bool()) {
            return *flag;
        }
        throw BadValue{"expected true, false or \"auto\""};
    }
    static std::string show(const std::optional<bool>& value) {
        return value ? SettingCodec<bool>::show(*value) : "\"auto\"";
    }
};

template <>
struct SettingCodec<std::int64_t> {
    static std::int64_t from_text(std::string_view text) {
        if (const auto value = whole_number(text)) {
            return *value;
        }
        throw BadValue{"expected a whole number, got '" + std::string{text} + "'"};
    }
    static std::int64_t from_value(const boost::json::value& value) {
        if (const auto* number = value.if_int64()) {
            return *number;
        }
        throw BadValue{"expected a whole number"};
    }
    static std::string show(std::int64_t value) { return std::to_string(value); }
};

template <>
struct SettingCodec<int> {
    static int narrow(std::int64_t value) {
        if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
            throw BadValue{std::to_string(value) + " is out of range"};
        }
        return static_cast<int>(value);
    }
    static int from_text(std::string_view text) {
        return narrow(SettingCodec<std::int64_t>::from_text(text));
    }
    static int from_value(const boost::json::value& value) {
        return narrow(SettingCodec<std::int64_t>::from_value(value));
    }
    static std::string show(int value) { return std::to_string(value); }
};

// A duration is a whole number of its unit, which the setting's key carries (_ms, _us).
template <class Rep, class Period>
struct SettingCodec<std::chrono::duration<Rep, Period>> {
    using Duration = std::chrono::duration<Rep, Period>;
    static Duration from_text(std::string_view text) {
        return Duration{SettingCodec<std::int64_t>::from_text(text)};
    }
    static Duration from_value(const boost::json::value& value) {
        return Duration{SettingCodec<std::int64_t>::from_value(value)};
    }
    static std::string show(Duration value) { return std::to_string(value.count()); }
};

// A list is comma-separated in text, an array in the file.
template <class Item>
struct SettingCodec<std::vector<Item>> {
    static std::vector<Item> from_text(std::string_view text) {
        std::vector<Item> items;
        while (!text.empty()) {
            const auto comma = text.find(',');
            const auto item = text.substr(0, comma);
            if (item.empty()) {
                throw BadValue{"expected a comma-separated list without empty items"};
            }
            items.push_back(SettingCodec<Item>::from_text(item));
            text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        }
        return items;
    }
    static std::vector<Item> from_value(const boost::json::value& value) {
        const auto* array = value.if_array();
        if (array == nullptr) {
            throw BadValue{std::is_same_v<Item, std::string>
                               ? "expected an array of strings"
                               : "expected an array of whole numbers"};
        }
        std::vector<Item> items;
        for (const auto& element : *array) {
            items.push_back(SettingCodec<Item>::from_value(element));
        }
        return items;
    }
    static std::string show(const std::vector<Item>& value) {
        std::string text;
        for (const auto& item : value) {
            text += (text.empty() ? "" : ", ") + SettingCodec<Item>::show(item);
        }
        return "[" + text + "]";
    }
};

// The names an enumeration's setting is written with.
template <class E>
using Choices = std::vector<std::pair<std::string_view, E>>;

// The declarations of one section, with the types erased so that one registry holds the
// platform's and every module's.
class SettingsSection {
  public:
    struct Entry {
        std::string key;
        std::string help;
        std::function<void(void* values, std::string_view text)> from_text;
        std::function<void(void* values, const boost::json::value& value)> from_value;
        std::function<std::string(const void* values)> show;
    };

    SettingsSection() = default;  // no settings

    const std::string& name() const { return name_; }
    const std::vector<Entry>& entries() const { return entries_; }
    const Entry* find(std::string_view key) const {
        for (const auto& entry : entries_) {
            if (entry.key == key) {
                return &entry;
            }
        }
        return nullptr;
    }
    // The struct of the section at its defaults; null for a section with no settings.
    std::shared_ptr<void> defaults() const { return make_ ? make_() : nullptr; }
    // The rules across the settings of the section; throws BadValue starting with the key.
    void check(const void* values) const {
        for (const auto& rule : rules_) {
            rule(values);
        }
    }
    const std::type_info& type() const { return *type_; }

  protected:
    std::string name_;
    std::vector<Entry> entries_;
    std::vector<std::function<void(const void*)>> rules_;
    std::function<std::shared_ptr<void>()> make_;
    const std::type_info* type_ = &typeid(void);
};

template <class S>
class Settings : public SettingsSection {
  public:
    explicit Settings(std::string section) {
        name_ = std::move(section);
        make_ = [] { return std::make_shared<S>(); };
        type_ = &typeid(S);
    }

    template <class T>
    Settings& add(std::string key, T S::*member, std::string help,
                  std::function<void(const T&)> check = {}) {
        using Codec = SettingCodec<T>;
        auto assign = [member, check](void* values, T value) {
            if (check) {
                check(value);
            }
            static_cast<S*>(values)->*member = std::move(value);
        };
        entries_.push_back(Entry{
            std::move(key),
            std::move(help),
            [assign](void* values, std::string_view text) {
                assign(values, Codec::from_text(text));
            },
            [assign](void* values, const boost::json::value& value) {
                assign(values, Codec::from_value(value));
            },
            [member](const void* values) {
                return Codec::show(static_cast<const S*>(values)->*member);
            },
        });
        return *this;
    }

    template <class E>
    Settings& choice(std::string key, E S::*member, std::string help, Choices<E> names) {
        auto parse = [names](std::string_view text) {
            for (const auto& [name, value] : names) {
                if (name == text) {
                    return value;
                }
            }
            std::string expected;
            for (const auto& [name, value] : names) {
                expected += (expected.empty() ? "" : " or ") + std::string{name};
            }
            throw BadValue{"expected " + expected + ", got '" + std::string{text} + "'"};
        };
        entries_.push_back(Entry{
            std::move(key),
            std::move(help),
            [member, parse](void* values, std::string_view text) {
                static_cast<S*>(values)->*member = parse(text);
            },
            [member, parse](void* values, const boost::json::value& value) {
                static_cast<S*>(values)->*member =
                    parse(SettingCodec<std::string>::from_value(value));
            },
            [member, names](const void* values) {
                for (const auto& [name, candidate] : names) {
                    if (candidate == static_cast<const S*>(values)->*member) {
                        return "\"" + std::string{name} + "\"";
                    }
                }
                return std::string{};
            },
        });
        return *this;
    }

    // A rule over several settings, checked once every source is read: throws BadValue whose
    // reason starts with the key it blames, e.g. "retry_cap_ms: must not be less than ...".
    Settings& rule(std::function<void(const S&)> check) {
        rules_.push_back([check = std::move(check)](const void* values) {
            check(*static_cast<const S*>(values));
        });
        return *this;
    }
};

template <class T>
std::function<void(const T&)> at_least(T minimum) {
    return [minimum](const T& value) {
        if (value < minimum) {
            throw BadValue{"must be at least " + SettingCodec<T>::show(minimum)};
        }
    };
}

inline std::function<void(const std::string&)> not_empty() {
    return [](const std::string& value) {
        if (value.empty()) {
            throw BadValue{"must not be empty"};
        }
    };
}

}  // namespace shopd
