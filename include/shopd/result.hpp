#pragma once
// Expected failures of a module, in one shape: the module's error code and what it concerns
// (the SKUs of a refused order, the currencies that were mixed...). A module names its own
// `errc` and `result<T>`; unexpected failures stay exceptions.

#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace shopd {

template <class Errc>
struct Failure {
    Errc code;
    std::vector<std::string> subjects = {};

    friend bool operator==(const Failure&, const Failure&) = default;
};

// Reached only by result::value() on a failure: code that checked the result never gets here.
template <class Errc>
[[noreturn]] void throw_exception_from_error(const Failure<Errc>&, const boost::source_location&) {
    throw std::logic_error("the value of a failed result was asked for");
}

template <class T, class Errc>
using Result = boost::system::result<T, Failure<Errc>>;

template <class Errc>
Failure<Errc> failure(Errc code, std::vector<std::string> subjects = {}) {
    return {code, std::move(subjects)};
}

}  // namespace shopd
