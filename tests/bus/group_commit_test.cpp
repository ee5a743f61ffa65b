// Units of work queued together commit in one transaction, and one that fails rolls back alone.

#include <SQLiteCpp/Statement.h>
#include <atomic>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <stdexcept>
#include <thread>

#include "support/notes_and_audit.hpp"
#include "util/failure.hpp"

namespace shopd::testing {
namespace {

using Unit = std::function<void(UnitOfWork&)>;

// Queues `units` on `module` while its strand is held, so they commit in one batch; returns the
// outcome of each, an empty text when it committed.
std::vector<std::string> commit_together(bus::ModuleRuntime& module,
                                         const std::vector<Unit>& units) {
    std::promise<void> held;
    std::promise<void> release;
    boost::asio::post(module.strand(), [&] {
        held.set_value();
        release.get_future().wait();
    });
    held.get_future().wait();
    std::vector<std::promise<std::string>> outcomes(units.size());
    for (std::size_t i = 0; i < units.size(); ++i) {
        module.execute({}, units[i], [&outcomes, i](std::exception_ptr failure) {
            outcomes[i].set_value(failure ? failure_text(failure) : "");
        });
    }
    release.set_value();
    std::vector<std::string> texts;
    for (auto& outcome : outcomes) {
        texts.push_back(outcome.get_future().get());
    }
    return texts;
}

// A unit that adds a note for `aggregate`, counting its runs and its commits.
struct CountedNote {
    std::string aggregate;
    std::atomic<int> runs{0};
    std::atomic<int> commits{0};

    Unit unit() {
        return [this](UnitOfWork& unit_of_work) {
            ++runs;
            add_note(unit_of_work, {aggregate, 1, "ok"});
            unit_of_work.after_commit([this] { ++commits; });
        };
    }
};

int notes_of(NotesAndAudit& modules, const std::string& aggregate) {
    return modules.harness.on(modules.notes, [&](SQLite::Database& database) {
        SQLite::Statement count(database,
                                "SELECT (SELECT count(*) FROM notes WHERE aggregate = ?1) +"
                                " (SELECT count(*) FROM outbox WHERE aggregateid = ?1)");
        count.bind(1, aggregate);
        count.executeStep();
        return count.getColumn(0).getInt();
    });
}

}  // namespace

TEST_CASE(
    "a unit of work that fails after writing rolls back alone; the rest of its batch "
    "commits once",
    "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    CountedNote before{"before"};
    CountedNote after{"after"};
    std::atomic<int> failing_runs{0};
    const auto outcomes =
        commit_together(modules.notes, {before.unit(),
                                        [&](UnitOfWork& unit_of_work) {
                                            ++failing_runs;
                                            add_note(unit_of_work, {"failing", 1, "ok"});
                                            throw std::runtime_error("failed after writing");
                                        },
                                        after.unit()});
    CHECK(outcomes == std::vector<std::string>{"", "failed after writing", ""});
    CHECK(failing_runs == 1);
    // The unit before the failing one was written again, after the rollback of the batch.
    CHECK(before.runs == 2);
    CHECK(after.runs == 1);
    CHECK(before.commits == 1);
    CHECK(after.commits == 1);
    // Each surviving unit's note and message once (2 rows), the failing one's not at all.
    CHECK(notes_of(modules, "before") == 2);
    CHECK(notes_of(modules, "after") == 2);
    CHECK(notes_of(modules, "failing") == 0);
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("before") == std::vector<int>{1});
    CHECK(modules.audited("after") == std::vector<int>{1});
    CHECK(modules.audited("failing").empty());
}

TEST_CASE(
    "a unit of work that fails before writing anything makes no unit of its batch run "
    "twice",
    "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    CountedNote before{"before"};
    CountedNote after{"after"};
    const auto outcomes = commit_together(
        modules.notes, {before.unit(),
                        [](UnitOfWork& unit_of_work) {
                            unit_of_work.database().execAndGet("SELECT count(*) FROM notes");
                            throw std::runtime_error("refused before writing");
                        },
                        after.unit()});
    CHECK(outcomes == std::vector<std::string>{"", "refused before writing", ""});
    CHECK(before.runs == 1);
    CHECK(after.runs == 1);
    CHECK(notes_of(modules, "before") == 2);
    CHECK(notes_of(modules, "after") == 2);
}

TEST_CASE("a unit of work that fails in the middle of a write statement leaves none of its rows",
          "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    CountedNote after{"after"};
    const auto outcomes = commit_together(
        modules.notes,
        {[](UnitOfWork& unit_of_work) {
             // The rows are inserted at the first step, but the statement is not finished, so
             // SQLite has not counted them as changes yet.
             auto& insert = unit_of_work.statements().get(
                 "INSERT INTO notes (aggregate, sequence, text)"
                 " VALUES ('unfinished', 1, 'ok'), ('unfinished', 2, 'ok') RETURNING sequence");
             REQUIRE(insert.executeStep());
             throw std::runtime_error("failed while stepping");
         },
         after.unit()});
    CHECK(outcomes == std::vector<std::string>{"failed while stepping", ""});
    CHECK(notes_of(modules, "unfinished") == 0);
    CHECK(notes_of(modules, "after") == 2);
    CHECK(after.commits == 1);
}

TEST_CASE(
    "units of work queued for an idle module within the batch wait commit in one "
    "transaction",
    "[bus]") {
    using namespace std::chrono_literals;
    auto policy = fast_retries();
    policy.batch_wait = 1s;
    NotesAndAudit modules(policy);
    modules.harness.start();
    std::vector<std::promise<void>> committed(3);
    for (std::size_t i = 0; i < committed.size(); ++i) {
        if (i == 1) {
            std::this_thread::sleep_for(20ms);  // without the wait the first would commit alone
        }
        modules.notes.execute(
            {},
            [i](UnitOfWork& unit_of_work) {
                add_note(unit_of_work, {"waited", static_cast<int>(i) + 1, "ok"});
            },
            [&committed, i](std::exception_ptr) { committed[i].set_value(); });
    }
    for (auto& commit : committed) {
        commit.get_future().wait();
    }
    const auto metrics = modules.harness.metrics.render();
    CHECK_THAT(metrics, Catch::Contains(R"(shopd_batch_units_count{module="notes"} 1)"));
    CHECK_THAT(metrics, Catch::Contains(R"(shopd_batch_units_sum{module="notes"} 3)"));
}

}  // namespace shopd::testing
