// shopd-bench: the end-to-end benchmark. Places orders over keep-alive HTTP connections for a
// while, waits until every accepted order has settled, and prints one JSON line with the
// throughput and latency of accepting and of the whole saga, shopd's peak memory, and the
// HTTP ceiling of the same machine (the same connections against /healthz) as a yardstick.
// Progress goes to stderr; stdout holds only the result line.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string url = "http://127.0.0.1:8080";
    std::string catalog_url;  // where the products are created; empty: url
    int connections = 32;
    int duration_s = 10;
    double rate = 0;  // orders per second over all connections; 0: as fast as they go
    int ceiling_s = 3;
    int products = 50;
    int saga_sample = 2000;
    int settle_timeout_s = 600;
    long preload = 0;        // settled orders placed before the measurement
    int read_sample = 2000;  // reads of each kind timed after a preload
    bool start = false;
    bool start_with_key = false;
    std::string bearer;  // sent with every request: an API key or a JWT
    std::string shopd;
    std::vector<std::string> shopd_args;
};

struct Answer {
    unsigned status = 0;
    std::string body;
    std::chrono::milliseconds retry_after{0};
};

double millis_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// One keep-alive connection that reconnects after an error.
class Connection {
  public:
    Connection(asio::io_context& io, tcp::endpoint endpoint, std::string bearer)
        : stream_(io),
          endpoint_(std::move(endpoint)),
          authorization_(bearer.empty() ? std::string{} : "Bearer " + bearer) {}

    // Nullopt when the exchange failed at the socket.
    asio::awaitable<std::optional<Answer>> exchange(bhttp::verb method, std::string target,
                                                    std::string body = {}) {
        try {
            if (!stream_.socket().is_open()) {
                co_await stream_.async_connect(endpoint_, asio::use_awaitable);
                stream_.socket().set_option(tcp::no_delay(true));
            }
            bhttp::request<bhttp::string_body> request{method, target, 11};
            request.set(bhttp::field::host, "shopd");
            if (!authorization_.empty()) {
                request.set(bhttp::field::authorization, authorization_);
            }
            if (!body.empty()) {
                request.set(bhttp::field::content_type, "application/json");
                request.body() = std::move(body);
            }
            request.prepare_payload();
            co_await bhttp::async_write(stream_, request, asio::use_awaitable);
            bhttp::response<bhttp::string_body> response;
            co_await bhttp::async_read(stream_, buffer_, response, asio::use_awaitable);
            Answer answer{response.result_int(), std::move(response.body()), {}};
            if (const auto retry = response.find(bhttp::field::retry_after);
                retry != response.end()) {
                answer.retry_after = std::chrono::seconds(std::atoi(retry->value().data()));
            }
            if (!response.keep_alive()) {
                close();
            }
            co_return answer;
        } catch (const boost::system::system_error&) {
            close();
            co_return std::nullopt;
        }
    }

  private:
    void close() {
        boost::system::error_code ignored;
        stream_.socket().close(ignored);
        buffer_.clear();
    }

    beast::tcp_stream stream_;
    tcp::endpoint endpoint_;
    std::string authorization_;
    beast::flat_buffer buffer_;
};

// Runs `work` on a fresh io_context until every coroutine it started has finished.
template <typename Work>
void run(Work work) {
    asio::io_context io;
    work(io);
    io.run();
}

double percentile(std::vector<double> values, double fraction) {
    if (values.empty()) {
        return 0;
    }
    const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                     values.end());
    return values[rank];
}

// What shopd's /metrics says that the benchmark cares about.
struct MetricsSample {
    double rss_bytes = 0;
    double outbox_backlog = 0;
    double confirmed = 0;  // order.confirmed messages published so far
    double cpu_seconds = 0;
    double sqlite_changes = 0;  // rows written, summed over the modules
};

MetricsSample read_metrics(std::string_view text) {
    MetricsSample sample;
    const auto value_of = [](std::string_view line) {
        return std::strtod(std::string{line.substr(line.rfind(' ') + 1)}.c_str(), nullptr);
    };
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (line.starts_with("process_resident_memory_bytes ")) {
            sample.rss_bytes = value_of(line);
        } else if (line.starts_with("shopd_outbox_backlog{")) {
            sample.outbox_backlog += value_of(line);
        } else if (line.starts_with("shopd_messages_published_total{type=\"order.confirmed\"}")) {
            sample.confirmed = value_of(line);
        } else if (line.starts_with("process_cpu_seconds_total ")) {
            sample.cpu_seconds = value_of(line);
        } else if (line.starts_with("shopd_sqlite_changes_total{")) {
            sample.sqlite_changes += value_of(line);
        }
    }
    return sample;
}

// An RFC 3339 UTC timestamp with milliseconds, as shopd writes them, in ms since the epoch.
std::optional<std::int64_t> epoch_millis(std::string_view text) {
    int year, month, day, hour, minute, second, millis;
    if (std::sscanf(std::string{text}.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &year, &month, &day, &hour,
                    &minute, &second, &millis) != 7) {
        return std::nullopt;
    }
    const std::chrono::sys_days date{std::chrono::year{year} / month / day};
    return std::chrono::duration_cast<std::chrono::milliseconds>(date.time_since_epoch()).count() +
           ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

// Built outside the coroutines: GCC 12 cannot keep a braced list of string literals in a
// coroutine frame.
std::string product_body(const std::string& sku, int price_cents) {
    return json::serialize(json::object{{"sku", sku},
                                        {"name", "Benchmark item"},
                                        {"price_cents", price_cents},
                                        {"currency", "EUR"},
                                        {"stock", 1'000'000'000},
                                        {"weight_grams", 250}});
}

class Bench {
  public:
    Bench(Options options, tcp::endpoint endpoint, tcp::endpoint catalog)
        : options_(std::move(options)),
          endpoint_(std::move(endpoint)),
          catalog_(std::move(catalog)) {}

    // Every connection asks for /healthz as fast as it can.
    double ceiling_per_s() {
        long answered = 0;
        const auto started = Clock::now();
        const auto until = started + std::chrono::seconds(options_.ceiling_s);
        run([&](asio::io_context& io) {
            for (int i = 0; i < options_.connections; ++i) {
                asio::co_spawn(
                    io,
                    [&, connection = Connection(
                            io, endpoint_, options_.bearer)]() mutable -> asio::awaitable<void> {
                        while (Clock::now() < until) {
                            const auto answer =
                                co_await connection.exchange(bhttp::verb::get, "/healthz");
                            answered += answer && answer->status == 200;
                        }
                    },
                    asio::detached);
            }
        });
        return static_cast<double>(answered) / (millis_between(started, Clock::now()) / 1000);
    }

    // Products with stock for any run; the SKUs are new for each run.
    void seed_products() {
        const auto run_id = std::chrono::system_clock::now().time_since_epoch().count() % 1000000;
        run([&](asio::io_context& io) {
            asio::co_spawn(
                io,
                [&, connection = Connection(io, catalog_,
                                            options_.bearer)]() mutable -> asio::awaitable<void> {
                    for (int i = 0; i < options_.products; ++i) {
                        auto sku = fmt::format("BENCH-{}-{}", run_id, i);
                        const auto answer = co_await connection.exchange(
                            bhttp::verb::post, "/api/products", product_body(sku, 100 + i));
                        if (!answer || answer->status != 201) {
                            throw std::runtime_error(fmt::format(
                                "seeding {} failed: {}", sku, answer ? answer->body : "no answer"));
                        }
                        skus_.push_back(std::move(sku));
                    }
                },
                [](std::exception_ptr error) {
                    if (error) {
                        std::rethrow_exception(error);
                    }
                });
        });
        if (catalog_ == endpoint_) {
            wait_for_empty_outbox();  // the order module's catalog learns the prices by message
        } else {
            wait_until_orderable();
        }
    }

    // Split mode: the prices reach the order process over Kafka. One order of every product,
    // placed before the measurement, tells when they all have.
    void wait_until_orderable() {
        json::array items;
        for (const auto& sku : skus_) {
            items.push_back(json::object{{"sku", sku}, {"quantity", 1}});
        }
        std::mt19937 random{1};
        auto body = json::parse(order_body("bench-probe", random)).as_object();
        body["items"] = std::move(items);
        const auto probe = json::serialize(body);
        poll_until(
            bhttp::verb::post, "/api/orders", probe, [](const std::optional<Answer>& answer) {
                if (answer && answer->status != 202 && answer->status != 422 &&
                    answer->status != 503) {
                    throw std::runtime_error(fmt::format("the probe order was answered {}: {}",
                                                         answer->status, answer->body));
                }
                return answer && answer->status == 202;
            });
    }

    // Orders from every connection until the duration is over; a 503 (back-pressure) waits
    // as Retry-After says, or briefly, and is not an error.
    void place_orders() {
        const auto until = orders_started_ + std::chrono::seconds(options_.duration_s);
        run([&](asio::io_context& io) {
            for (int i = 0; i < options_.connections; ++i) {
                asio::co_spawn(io, place_from(io, i, until), asio::detached);
            }
            asio::co_spawn(io, sample_metrics(io), asio::detached);
            if (!preloaded_ids_.empty()) {
                asio::co_spawn(io, read_while_placing(io, until), asio::detached);
            }
        });
        orders_ended_ = Clock::now();
    }

    // Places `count` orders through the same requests as the measurement, as fast as the
    // connections go, and waits until they settled. Returns the seconds it took.
    double preload(long count) {
        const auto started = Clock::now();
        preload_left_ = count;
        run([&](asio::io_context& io) {
            for (int i = 0; i < options_.connections; ++i) {
                asio::co_spawn(io, place_from(io, i, {}), asio::detached);
            }
        });
        settle();
        return millis_between(started, Clock::now()) / 1000;
    }

    // Times reads of single orders and of a customer's orders, with nothing else running.
    void time_idle_reads() {
        std::mt19937 random{7};
        run([&](asio::io_context& io) {
            asio::co_spawn(
                io,
                [&, connection = Connection(io, endpoint_,
                                            options_.bearer)]() mutable -> asio::awaitable<void> {
                    for (int i = 0; i < options_.read_sample; ++i) {
                        co_await timed_read(connection, true, random, idle_reads_);
                        co_await timed_read(connection, false, random, idle_reads_);
                    }
                },
                asio::detached);
        });
    }

    void start_orders() { orders_started_ = Clock::now(); }

    // Until no accepted order is pending any more.
    void settle() {
        const auto give_up = Clock::now() + std::chrono::seconds(options_.settle_timeout_s);
        sampling_ = true;
        run([&](asio::io_context& io) {
            asio::co_spawn(io, sample_metrics(io), asio::detached);
            asio::co_spawn(
                io,
                [&, connection = Connection(io, endpoint_,
                                            options_.bearer)]() mutable -> asio::awaitable<void> {
                    asio::steady_timer pause(io);
                    while (Clock::now() < give_up) {
                        const auto answer = co_await connection.exchange(
                            bhttp::verb::get, "/api/orders?status=pending&limit=1");
                        if (answer && answer->status == 200 &&
                            json::parse(answer->body).at("items").as_array().empty()) {
                            break;
                        }
                        pause.expires_after(std::chrono::milliseconds(20));
                        co_await pause.async_wait(asio::use_awaitable);
                    }
                    sampling_ = false;
                },
                asio::detached);
        });
        settled_ = Clock::now();
    }

    // Placed-to-confirmed times of a uniform sample of the accepted orders.
    void read_saga_times() {
        std::vector<std::string> sample = accepted_ids_;
        std::shuffle(sample.begin(), sample.end(), std::mt19937{2026});
        sample.resize(std::min<std::size_t>(sample.size(), std::size_t(options_.saga_sample)));
        std::size_t next = 0;
        run([&](asio::io_context& io) {
            for (int i = 0; i < 4; ++i) {
                asio::co_spawn(
                    io,
                    [&, connection = Connection(
                            io, endpoint_, options_.bearer)]() mutable -> asio::awaitable<void> {
                        while (next < sample.size()) {
                            const auto& id = sample[next++];
                            const auto answer =
                                co_await connection.exchange(bhttp::verb::get, "/api/orders/" + id);
                            if (!answer || answer->status != 200) {
                                ++errors_;
                                continue;
                            }
                            record_saga(json::parse(answer->body).as_object());
                        }
                    },
                    asio::detached);
            }
        });
    }

    // The figures as ordered "name": value pairs, each value already JSON text.
    std::vector<std::pair<std::string, std::string>> result(double ceiling) const {
        const double order_seconds = millis_between(orders_started_, orders_ended_) / 1000;
        const double saga_seconds = millis_between(orders_started_, settled_) / 1000;
        const auto confirmed = static_cast<long>(peak_.confirmed - before_orders_.confirmed);
        const auto accepted = static_cast<double>(accepted_ids_.size());
        const double accepted_per_s = accepted / order_seconds;
        const double confirmed_per_s = static_cast<double>(confirmed) / saga_seconds;
        const auto fixed = [](double value, int decimals = 1) {
            return fmt::format("{:.{}f}", value, decimals);
        };
        return {
            {"bench", "\"shopd\""},
            {"connections", fmt::format("{}", options_.connections)},
            {"duration_s", fmt::format("{}", options_.duration_s)},
            {"rate", fixed(options_.rate)},
            {"accepted", fmt::format("{}", accepted_ids_.size())},
            {"confirmed", fmt::format("{}", confirmed)},
            {"accepted_per_s", fixed(accepted_per_s)},
            {"confirmed_per_s", fixed(confirmed_per_s)},
            {"accept_p50_ms", fixed(percentile(accept_ms_, 0.50), 2)},
            {"accept_p99_ms", fixed(percentile(accept_ms_, 0.99), 2)},
            {"saga_p50_ms", fixed(percentile(saga_ms_, 0.50))},
            {"saga_p99_ms", fixed(percentile(saga_ms_, 0.99))},
            {"saga_sample", fmt::format("{}", saga_ms_.size())},
            {"settle_s", fixed(millis_between(orders_ended_, settled_) / 1000, 2)},
            {"rss_mb", fixed(peak_.rss_bytes / (1024.0 * 1024.0))},
            {"cpu_us_per_order", cpu_us_per_order(accepted)},
            {"sqlite_changes_per_order", sqlite_changes_per_order(confirmed)},
            {"outbox_backlog_max", fmt::format("{}", static_cast<long>(peak_.outbox_backlog))},
            {"throttled", fmt::format("{}", throttled_)},
            {"errors", fmt::format("{}", errors_)},
            {"ceiling_per_s", fixed(ceiling)},
            {"accepted_ratio", fixed(accepted_per_s / ceiling, 4)},
            {"confirmed_ratio", fixed(confirmed_per_s / ceiling, 4)},
        };
    }

    // JSON null when no order was accepted or the shopd does not report its CPU time.
    std::string cpu_us_per_order(double accepted) const {
        if (accepted == 0 || before_orders_.cpu_seconds == 0) {
            return "null";
        }
        return fmt::format("{:.0f}",
                           (peak_.cpu_seconds - before_orders_.cpu_seconds) * 1e6 / accepted);
    }

    // Per confirmed order, the rows all modules wrote from the first order until everything
    // settled. JSON null when none confirmed or the shopd does not count them.
    std::string sqlite_changes_per_order(long confirmed) const {
        if (confirmed == 0 || peak_.sqlite_changes == 0) {
            return "null";
        }
        return fmt::format("{:.1f}", (peak_.sqlite_changes - before_orders_.sqlite_changes) /
                                         static_cast<double>(confirmed));
    }

    void note_before_orders() {
        run([&](asio::io_context& io) {
            asio::co_spawn(
                io,
                [&, connection = Connection(io, endpoint_,
                                            options_.bearer)]() mutable -> asio::awaitable<void> {
                    const auto answer = co_await connection.exchange(bhttp::verb::get, "/metrics");
                    if (!answer) {
                        throw std::runtime_error("no answer from /metrics");
                    }
                    before_orders_ = read_metrics(answer->body);
                    peak_ = before_orders_;  // nothing of before, such as a preload, counts
                },
                asio::detached);
        });
    }

    // The read latencies after a preload, as ordered "name": value pairs.
    std::vector<std::pair<std::string, std::string>> read_figures() const {
        const auto ms = [](const std::vector<double>& values, double fraction) {
            return fmt::format("{:.2f}", percentile(values, fraction));
        };
        return {
            {"order_read_p50_ms", ms(idle_reads_.order, 0.50)},
            {"order_read_p99_ms", ms(idle_reads_.order, 0.99)},
            {"customer_read_p50_ms", ms(idle_reads_.customer, 0.50)},
            {"customer_read_p99_ms", ms(idle_reads_.customer, 0.99)},
            {"loaded_order_read_p99_ms", ms(loaded_reads_.order, 0.99)},
            {"loaded_customer_read_p99_ms", ms(loaded_reads_.customer, 0.99)},
        };
    }

  private:
    struct ReadTimes {
        std::vector<double> order;     // GET /api/orders/{id}
        std::vector<double> customer;  // GET /api/orders?customer_id=
    };

    // One read of a random preloaded order, or of a random customer's orders, timed into
    // `times`.
    asio::awaitable<void> timed_read(Connection& connection, bool single, std::mt19937& random,
                                     ReadTimes& times) {
        const auto target =
            single ? "/api/orders/" + preloaded_ids_[random() % preloaded_ids_.size()]
                   : fmt::format("/api/orders?customer_id=bench-{}",
                                 random() % static_cast<unsigned>(options_.connections));
        const auto sent = Clock::now();
        const auto answer = co_await connection.exchange(bhttp::verb::get, target);
        if (!answer || answer->status != 200) {
            ++errors_;
            co_return;
        }
        (single ? times.order : times.customer).push_back(millis_between(sent, Clock::now()));
    }

    // One more connection reading while the others place orders.
    asio::awaitable<void> read_while_placing(asio::io_context& io, Clock::time_point until) {
        Connection connection(io, endpoint_, options_.bearer);
        std::mt19937 random{8};
        while (Clock::now() < until) {
            co_await timed_read(connection, true, random, loaded_reads_);
            co_await timed_read(connection, false, random, loaded_reads_);
        }
    }

    asio::awaitable<void> place_from(asio::io_context& io, int number, Clock::time_point until) {
        Connection connection(io, endpoint_, options_.bearer);
        std::mt19937 random(static_cast<unsigned>(number));
        asio::steady_timer pause(io);
        const auto customer = fmt::format("bench-{}", number);
        const bool preloading = preload_left_ > 0;
        // With --rate each connection sends on its own schedule, the connections' schedules
        // interleaved; one that falls behind sends at once until it has caught up.
        const auto paced = !preloading && options_.rate > 0;
        const auto interval = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(paced ? options_.connections / options_.rate : 0));
        auto due = orders_started_ + interval * number / options_.connections;
        while (preloading ? preload_left_ > 0 : Clock::now() < until) {
            if (paced) {
                if (Clock::now() < due) {
                    pause.expires_at(due);
                    co_await pause.async_wait(asio::use_awaitable);
                    if (Clock::now() >= until) {
                        break;
                    }
                }
                due += interval;
            }
            const auto body = order_body(customer, random);
            const auto sent = Clock::now();
            if (preloading) {
                --preload_left_;  // claimed before the wait, so no connection places one too many
            }
            const auto answer =
                co_await connection.exchange(bhttp::verb::post, "/api/orders", body);
            if (answer && answer->status == 202) {
                auto id = std::string{json::parse(answer->body).at("id").as_string()};
                if (preloading) {
                    preloaded_ids_.push_back(std::move(id));
                    continue;
                }
                accept_ms_.push_back(millis_between(sent, Clock::now()));
                accepted_ids_.push_back(std::move(id));
            } else if (answer && answer->status == 503) {
                preload_left_ += preloading ? 1 : 0;  // not placed: placed again
                ++throttled_;
                pause.expires_after(std::max(answer->retry_after, std::chrono::milliseconds(5)));
                co_await pause.async_wait(asio::use_awaitable);
            } else {
                ++errors_;
            }
        }
    }

    std::string order_body(const std::string& customer, std::mt19937& random) const {
        json::array items;
        const auto lines = 1 + random() % 3;
        const auto first = random() % skus_.size();
        for (std::size_t i = 0; i < lines; ++i) {
            items.push_back(json::object{{"sku", skus_[(first + i) % skus_.size()]},
                                         {"quantity", 1 + random() % 2}});
        }
        return json::serialize(json::object{
            {"customer_id", customer},
            {"items", std::move(items)},
            {"shipping_address", json::object{{"name", "Bench Customer"},
                                              {"line1", "1 Load Street"},
                                              {"city", "Berlin"},
                                              {"postal_code", "10115"},
                                              {"country", "DE"}}},
            {"payment_token", "tok_ok"},
        });
    }

    asio::awaitable<void> sample_metrics(asio::io_context& io) {
        Connection connection(io, endpoint_, options_.bearer);
        asio::steady_timer pause(io);
        sampling_ = true;
        const auto placing = orders_ended_ == Clock::time_point{};
        const auto until = orders_started_ + std::chrono::seconds(options_.duration_s);
        while (placing ? Clock::now() < until : sampling_.load()) {
            if (const auto answer = co_await connection.exchange(bhttp::verb::get, "/metrics")) {
                const auto sample = read_metrics(answer->body);
                peak_.rss_bytes = std::max(peak_.rss_bytes, sample.rss_bytes);
                peak_.outbox_backlog = std::max(peak_.outbox_backlog, sample.outbox_backlog);
                peak_.confirmed = std::max(peak_.confirmed, sample.confirmed);
                peak_.cpu_seconds = std::max(peak_.cpu_seconds, sample.cpu_seconds);
                peak_.sqlite_changes = std::max(peak_.sqlite_changes, sample.sqlite_changes);
            }
            pause.expires_after(std::chrono::milliseconds(250));
            co_await pause.async_wait(asio::use_awaitable);
        }
        // The last word on confirmations and CPU time, once everything settled.
        if (const auto answer = co_await connection.exchange(bhttp::verb::get, "/metrics")) {
            const auto sample = read_metrics(answer->body);
            peak_.confirmed = std::max(peak_.confirmed, sample.confirmed);
            peak_.cpu_seconds = std::max(peak_.cpu_seconds, sample.cpu_seconds);
            peak_.sqlite_changes = std::max(peak_.sqlite_changes, sample.sqlite_changes);
        }
    }

    void wait_for_empty_outbox() {
        poll_until(bhttp::verb::get, "/metrics", {}, [](const std::optional<Answer>& answer) {
            return answer && read_metrics(answer->body).outbox_backlog == 0;
        });
    }

    // Sends the request every 20 ms until `done` accepts the answer (nullopt: no answer came);
    // `done` throws to give up.
    template <class Done>
    void poll_until(bhttp::verb method, const std::string& target, const std::string& body,
                    Done done) {
        run([&](asio::io_context& io) {
            asio::co_spawn(
                io,
                [&, connection = Connection(io, endpoint_,
                                            options_.bearer)]() mutable -> asio::awaitable<void> {
                    asio::steady_timer pause(io);
                    while (!done(co_await connection.exchange(method, target, body))) {
                        pause.expires_after(std::chrono::milliseconds(20));
                        co_await pause.async_wait(asio::use_awaitable);
                    }
                },
                [](std::exception_ptr error) {
                    if (error) {
                        std::rethrow_exception(error);
                    }
                });
        });
    }

    void record_saga(const json::object& order) {
        std::optional<std::int64_t> placed, confirmed;
        for (const auto& entry : order.at("timeline").as_array()) {
            const auto& event = entry.at("event").as_string();
            const auto at = epoch_millis(entry.at("at").as_string());
            if (event == "status: pending") {
                placed = at;
            } else if (event == "status: confirmed") {
                confirmed = at;
            }
        }
        if (placed && confirmed) {
            saga_ms_.push_back(static_cast<double>(*confirmed - *placed));
        } else {
            ++errors_;  // ample stock and tok_ok: every order should confirm
        }
    }

    Options options_;
    tcp::endpoint endpoint_;
    tcp::endpoint catalog_;
    std::vector<std::string> skus_;
    std::vector<std::string> accepted_ids_;
    std::vector<std::string> preloaded_ids_;
    long preload_left_ = 0;
    ReadTimes idle_reads_;
    ReadTimes loaded_reads_;
    std::vector<double> accept_ms_;
    std::vector<double> saga_ms_;
    long throttled_ = 0;
    long errors_ = 0;
    MetricsSample before_orders_;
    MetricsSample peak_;
    std::atomic<bool> sampling_{false};
    Clock::time_point orders_started_{}, orders_ended_{}, settled_{};
};

// A shopd of its own on a temporary data directory and a free port; stopped with SIGTERM.
class OwnShopd {
  public:
    OwnShopd(const Options& options, unsigned short port) {
        auto pattern = (std::filesystem::temp_directory_path() / "shopd-bench-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot make a temporary data directory");
        }
        directory_ = pattern;
        const auto data_dir = (directory_ / "data").string();
        if (options.start_with_key) {
            key_ = make_admin_key(options.shopd, data_dir);
        }
        std::vector<std::string> args{options.shopd, "--listen", fmt::format("127.0.0.1:{}", port),
                                      "--data-dir",  data_dir,   "--log-level",
                                      "warn"};
        if (options.start_with_key) {
            // A shop with keys limits rates; the benchmark measures the cost of the key alone.
            args.emplace_back("--set=rate_limit.enabled=false");
        }
        args.insert(args.end(), options.shopd_args.begin(), options.shopd_args.end());
        args_ = std::move(args);
        launch();
    }
    ~OwnShopd() {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    // Milliseconds from the start of the process until /readyz answered 200.
    double wait_ready(const tcp::endpoint& endpoint) const {
        const auto give_up = started_ + std::chrono::seconds(30);
        while (Clock::now() < give_up) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                throw std::runtime_error(fmt::format("shopd exited during start-up; see {}",
                                                     (directory_ / "shopd.log").string()));
            }
            bool ready = false;
            run([&](asio::io_context& io) {
                asio::co_spawn(
                    io,
                    [&,
                     connection = Connection(io, endpoint, {})]() mutable -> asio::awaitable<void> {
                        const auto answer =
                            co_await connection.exchange(bhttp::verb::get, "/readyz");
                        ready = answer && answer->status == 200;
                    },
                    asio::detached);
            });
            if (ready) {
                return millis_between(started_, Clock::now());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        throw std::runtime_error("shopd did not become ready within 30 s");
    }

    // The admin key made before the start (--start-with-key); empty without one.
    const std::string& key() const { return key_; }

    // Stops the shopd with SIGTERM and starts it again on the same data.
    void restart() {
        stop();
        launch();
    }

    // Bytes of every file in the data directory.
    std::uintmax_t data_bytes() const {
        std::uintmax_t bytes = 0;
        for (const auto& entry :
             std::filesystem::recursive_directory_iterator(directory_ / "data")) {
            if (entry.is_regular_file()) {
                bytes += entry.file_size();
            }
        }
        return bytes;
    }

  private:
    void launch() {
        const auto log = (directory_ / "shopd.log").string();
        started_ = Clock::now();
        pid_ = ::fork();
        if (pid_ == 0) {
            std::freopen(log.c_str(), "a", stdout);
            std::freopen(log.c_str(), "a", stderr);
            std::vector<char*> argv;
            for (auto& arg : args_) {
                argv.push_back(arg.data());
            }
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            std::perror("shopd-bench: cannot run shopd");
            std::_Exit(127);
        }
    }

    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

    static std::string make_admin_key(const std::string& shopd, const std::string& data_dir) {
        const auto command = fmt::format(
            "'{}' keys create --data-dir '{}' --role admin --name bench", shopd, data_dir);
        std::unique_ptr<FILE, int (*)(FILE*)> made(::popen(command.c_str(), "r"), ::pclose);
        std::array<char, 256> line{};
        if (!made || std::fgets(line.data(), line.size(), made.get()) == nullptr) {
            throw std::runtime_error("shopd keys create printed no key");
        }
        std::string key = line.data();
        while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) {
            key.pop_back();
        }
        return key;
    }

    std::filesystem::path directory_;
    std::vector<std::string> args_;
    std::string key_;
    Clock::time_point started_;
    pid_t pid_ = -1;
};

unsigned short free_port() {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

tcp::endpoint endpoint_of(const std::string& url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
        throw std::invalid_argument(fmt::format("--url: expected http://HOST:PORT, got '{}'", url));
    }
    asio::io_context io;
    tcp::resolver resolver(io);
    const auto port = parsed->port().empty() ? std::string{"80"} : std::string{parsed->port()};
    return *resolver.resolve(std::string{parsed->host()}, port).begin();
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App cli{"shopd-bench: orders per second, latency and memory of a shopd", "shopd-bench"};
    cli.add_option("--url", options.url, "The shopd to measure")->capture_default_str();
    cli.add_option("--catalog-url", options.catalog_url,
                   "Split mode: the shopd hosting inventory, where the products are created "
                   "(default: --url); waits until the order process knows them");
    cli.add_option("--connections", options.connections, "Keep-alive connections")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cli.add_option("--duration", options.duration_s, "Seconds of placing orders")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
    cli.add_option("--rate", options.rate,
                   "Orders per second to offer, spread over the connections (default: as many "
                   "as the connections can place, each waiting for its answer)")
        ->check(CLI::Range(0.0, 1e6));
    cli.add_option("--ceiling-duration", options.ceiling_s, "Seconds of /healthz for the ceiling")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    cli.add_option("--products", options.products, "Products to order from")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cli.add_option("--saga-sample", options.saga_sample,
                   "Accepted orders whose timeline gives the saga latency")
        ->capture_default_str()
        ->check(CLI::Range(1, 10'000'000));
    cli.add_option("--settle-timeout", options.settle_timeout_s,
                   "Seconds to wait for the accepted orders to settle")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
    cli.add_option("--preload", options.preload,
                   "Settled orders to place first; the figures then include read latencies, "
                   "bytes per order and (with --start) the start of a shopd holding them")
        ->check(CLI::Range(0L, 100'000'000L));
    cli.add_option("--read-sample", options.read_sample,
                   "Reads of each kind timed after --preload, with no write load")
        ->capture_default_str()
        ->check(CLI::Range(1, 1'000'000));
    cli.add_flag("--start", options.start,
                 "Start a shopd of its own on a temporary data directory (ignores --url)");
    options.shopd =
        (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "shopd")
            .string();
    cli.add_flag("--start-with-key", options.start_with_key,
                 "With --start: make an admin key first and send it with every request");
    cli.add_option("--bearer", options.bearer,
                   "An API key or JWT sent as Authorization: Bearer with every request");
    cli.add_option("--shopd", options.shopd, "The shopd binary --start runs")
        ->capture_default_str();
    cli.add_option("--shopd-arg", options.shopd_args,
                   "An argument for the shopd --start runs, e.g. --shopd-arg=--set=...");
    CLI11_PARSE(cli, argc, argv);

    try {
        std::optional<OwnShopd> own;
        std::optional<double> start_to_ready_ms;
        if (options.start) {
            const auto port = free_port();
            options.url = fmt::format("http://127.0.0.1:{}", port);
            own.emplace(options, port);
            if (!own->key().empty()) {
                options.bearer = own->key();
            }
            start_to_ready_ms = own->wait_ready(endpoint_of(options.url));
            std::cerr << fmt::format("shopd-bench: shopd ready in {:.1f} ms\n", *start_to_ready_ms);
        }
        Bench bench(options, endpoint_of(options.url),
                    endpoint_of(options.catalog_url.empty() ? options.url : options.catalog_url));
        std::cerr << "shopd-bench: measuring the /healthz ceiling\n";
        const auto ceiling = bench.ceiling_per_s();
        std::cerr << "shopd-bench: seeding products\n";
        bench.seed_products();
        std::vector<std::pair<std::string, std::string>> preloaded;
        if (options.preload > 0) {
            std::cerr << fmt::format("shopd-bench: preloading {} orders\n", options.preload);
            const auto seconds = bench.preload(options.preload);
            preloaded.emplace_back("preload", fmt::format("{}", options.preload));
            preloaded.emplace_back("preload_s", fmt::format("{:.1f}", seconds));
            if (own) {
                own->restart();
                preloaded.emplace_back(
                    "preloaded_start_to_ready_ms",
                    fmt::format("{:.1f}", own->wait_ready(endpoint_of(options.url))));
                // After the restart, whose clean stop moved the write-ahead logs into the files.
                preloaded.emplace_back(
                    "bytes_per_order",
                    fmt::format("{:.0f}", static_cast<double>(own->data_bytes()) /
                                              static_cast<double>(options.preload)));
            }
            std::cerr << "shopd-bench: timing reads\n";
            bench.time_idle_reads();
        }
        bench.note_before_orders();
        std::cerr << fmt::format("shopd-bench: placing orders for {} s on {} connections\n",
                                 options.duration_s, options.connections);
        bench.start_orders();
        bench.place_orders();
        std::cerr << "shopd-bench: waiting for the accepted orders to settle\n";
        bench.settle();
        bench.read_saga_times();
        auto result = bench.result(ceiling);
        if (start_to_ready_ms) {
            result.emplace_back("start_to_ready_ms", fmt::format("{:.1f}", *start_to_ready_ms));
        }
        if (options.preload > 0) {
            result.insert(result.end(), preloaded.begin(), preloaded.end());
            const auto reads = bench.read_figures();
            result.insert(result.end(), reads.begin(), reads.end());
        }
        std::string line;
        for (const auto& [name, value] : result) {
            line += fmt::format("{}\"{}\":{}", line.empty() ? "{" : ",", name, value);
        }
        std::cout << line << "}" << std::endl;
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "shopd-bench: " << error.what() << "\n";
        return 1;
    }
}
