#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace shopd {

// What went wrong, as text: what() of a std::exception, else `otherwise`.
std::string failure_text(
    std::exception_ptr failure,
    std::string_view otherwise = "something that is not a std::exception was thrown");

}  // namespace shopd
