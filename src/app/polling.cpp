#include "app/polling.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace shopd {

namespace {

struct Wait : std::enable_shared_from_this<Wait> {
    Wait(boost::asio::any_io_executor executor, std::function<bool()> holds,
         std::chrono::milliseconds timeout, std::function<void(bool)> then)
        : timer(std::move(executor)),
          give_up(std::chrono::steady_clock::now() + timeout),
          condition(std::move(holds)),
          done(std::move(then)) {}

    void look() {
        if (condition()) {
            done(true);
            return;
        }
        if (std::chrono::steady_clock::now() >= give_up) {
            done(false);
            return;
        }
        timer.expires_after(std::chrono::milliseconds(1));
        timer.async_wait([self = shared_from_this()](boost::system::error_code) { self->look(); });
    }

    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point give_up;
    std::function<bool()> condition;
    std::function<void(bool)> done;
};

}  // namespace

void when(boost::asio::any_io_executor executor, std::function<bool()> condition,
          std::chrono::milliseconds timeout, std::function<void(bool)> done) {
    auto wait = std::make_shared<Wait>(executor, std::move(condition), timeout, std::move(done));
    boost::asio::post(executor, [wait] { wait->look(); });
}

}  // namespace shopd
