#include "util/failure.hpp"

namespace shopd {

std::string failure_text(std::exception_ptr failure, std::string_view otherwise) {
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& error) {
        return error.what();
    } catch (...) {
        return std::string{otherwise};
    }
}

}  // namespace shopd
