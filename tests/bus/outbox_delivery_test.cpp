#include <SQLiteCpp/Statement.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "bus/retention.hpp"
#include "support/notes_and_audit.hpp"

namespace shopd::testing {
namespace {

int count(SQLite::Database& database, const std::string& sql) {
    return database.execAndGet(sql).getInt();
}

// Runs nothing on both strands, `times` over: whatever they had queued runs meanwhile.
void pump(NotesAndAudit& modules, int times) {
    for (int i = 0; i < times; ++i) {
        modules.harness.on(modules.notes, [](SQLite::Database&) { return 0; });
        modules.harness.on(modules.audit, [](SQLite::Database&) { return 0; });
    }
}

// notes' backlog, read on its strand: after every completion audit posted there so far.
std::int64_t backlog_of_notes(NotesAndAudit& modules) {
    return modules.harness.on(
        modules.notes, [&](SQLite::Database&) { return modules.notes.pending_deliveries(); });
}

}  // namespace

TEST_CASE("a publisher that cannot record a delivery's outcome waits before delivering again",
          "[bus][disk]") {
    using namespace std::chrono_literals;
    auto policy = fast_retries(1000);
    policy.retry_base = 1h;
    policy.retry_cap = 1h;
    NotesAndAudit modules(policy);
    std::atomic<bool> full{false};
    modules.harness.start();
    modules.harness.on(modules.notes, [&full](SQLite::Database& database) {
        refuse_commits_while(database, full);
        return 0;
    });
    modules.harness.messaging().stop();
    modules.add("a", 1, "fail:1000");
    full = true;
    modules.harness.messaging().start();
    REQUIRE(eventually(
        [&] { return modules.control->started == 1 && modules.notes.commits_failing(); }));
    // Delivered again at once after each failed write, it would have failed many times by now.
    pump(modules, 50);
    CHECK(modules.control->started == 1);
    CHECK(modules.notes.commits_failing());
}

TEST_CASE("once the publisher can commit again its deliveries and progress go on by themselves",
          "[bus][disk]") {
    NotesAndAudit modules;
    std::atomic<bool> full{false};
    modules.harness.start();
    modules.harness.on(modules.notes, [&full](SQLite::Database& database) {
        refuse_commits_while(database, full);
        return 0;
    });
    modules.harness.messaging().stop();
    modules.add("a", 1, "fail:1");
    modules.add("b", 1);
    full = true;
    modules.harness.messaging().start();
    REQUIRE(eventually(
        [&] { return modules.control->started >= 1 && modules.notes.commits_failing(); }));
    full = false;
    REQUIRE(modules.harness.wait_idle());
    REQUIRE(eventually([&] { return !modules.notes.commits_failing(); }));
    CHECK(modules.audited("a") == std::vector<int>{1});
    CHECK(modules.audited("b") == std::vector<int>{1});
    CHECK(modules.dead_letters().empty());
    // The progress written once the disk had room: nothing is delivered again after a restart.
    REQUIRE(eventually([&] {
        return modules.harness.on(modules.notes, [](SQLite::Database& database) {
            return count(database, "SELECT min(delivered_through) FROM outbox_progress");
        }) == 2;
    }));
}

TEST_CASE("a committed unit of work delivers its message to the subscriber", "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    modules.add("a", 1);
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1});
    CHECK(modules.control->handled == 1);
}

TEST_CASE("a rolled-back unit of work publishes nothing", "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    CHECK_THROWS_WITH(modules.harness.execute(modules.notes,
                                              [](UnitOfWork& unit_of_work) {
                                                  add_note(unit_of_work, {"a", 1, "ok"});
                                                  throw std::runtime_error("business rule");
                                              }),
                      "business rule");
    modules.add("b", 1);  // a later message proves the dispatcher ran
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a").empty());
    CHECK(modules.audited("b") == std::vector<int>{1});
    CHECK(modules.harness.on(modules.notes, [](SQLite::Database& database) {
        return count(database, "SELECT count(*) FROM outbox WHERE aggregateid = 'a'") +
               count(database, "SELECT count(*) FROM notes WHERE aggregate = 'a'");
    }) == 0);
}

TEST_CASE("a duplicate delivery of one message is a no-op", "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    modules.add("a", 1);
    REQUIRE(modules.harness.wait_idle());

    const auto envelope = modules.first_published();
    const auto again = modules.redeliver(envelope);
    CHECK(again.status == bus::DeliveryResult::Status::duplicate);
    CHECK(modules.audited("a") == std::vector<int>{1});
}

TEST_CASE(
    "messages from a publisher hosted alongside are recorded as a bit per outbox position, "
    "a row per block of 64",
    "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    modules.harness.messaging().stop();
    for (int sequence = 1; sequence <= 100; ++sequence) {
        modules.add("a", sequence);  // outbox seq 1 to 100: blocks 0 and 1
    }
    modules.harness.messaging().start();
    REQUIRE(modules.harness.wait_idle());
    REQUIRE(modules.audited("a").size() == 100);
    const auto rows = [&](const std::string& sql) {
        return modules.harness.on(modules.audit,
                                  [&](SQLite::Database& database) { return count(database, sql); });
    };
    CHECK(rows("SELECT count(*) FROM inbox_block WHERE publisher = 'notes'") == 2);
    CHECK(rows("SELECT count(*) FROM inbox") == 0);

    const auto envelopes = modules.harness.on(modules.notes, [](SQLite::Database& database) {
        std::vector<std::string> ids;
        SQLite::Statement row(database, "SELECT id FROM outbox ORDER BY seq");
        while (row.executeStep()) {
            ids.push_back(row.getColumn(0).getString());
        }
        return ids;
    });
    REQUIRE(envelopes.size() == 100);
    auto envelope = modules.first_published();
    int duplicates = 0;
    for (const auto& id : envelopes) {
        envelope.id = id;
        duplicates += modules.redeliver(envelope).status == bus::DeliveryResult::Status::duplicate;
    }
    CHECK(duplicates == 100);
    CHECK(modules.control->handled == 100);
}

TEST_CASE("a message recorded by its id, as before positions were recorded, is still recognised",
          "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    modules.harness.messaging().stop();
    modules.add("a", 1);
    const auto envelope = modules.first_published();
    modules.harness.between_batches(modules.audit, [&](SQLite::Database& database) {
        SQLite::Statement row(database,
                              "INSERT INTO inbox (message_id, type, handled_at) VALUES "
                              "(?, ?, '2026-01-01T00:00:00.000Z')");
        row.bind(1, envelope.id);
        row.bind(2, envelope.type);
        row.exec();
    });
    CHECK(modules.redeliver(envelope).status == bus::DeliveryResult::Status::duplicate);
    CHECK(modules.control->handled == 0);
}

TEST_CASE(
    "a redelivery that arrives while the first delivery is still running runs the handler "
    "once",
    "[bus]") {
    using namespace std::chrono_literals;
    NotesAndAudit modules;
    modules.control->handler_delay = 300ms;
    modules.harness.start();
    modules.add("a", 1);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (modules.control->started == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    REQUIRE(modules.control->started == 1);

    // The same message arrives again, as after a lost acknowledgement, while the first
    // delivery is still inside the handler.
    const auto envelope = modules.first_published();
    REQUIRE(modules.control->handled == 0);
    auto redelivery = std::async(std::launch::async, [&] { return modules.redeliver(envelope); });
    REQUIRE(modules.harness.wait_idle());
    CHECK(redelivery.get().status == bus::DeliveryResult::Status::duplicate);
    CHECK(modules.control->started == 1);
    CHECK(modules.control->handled == 1);
    CHECK(modules.audited("a") == std::vector<int>{1});
}

TEST_CASE("a failing handler leaves no inbox row and no partial effect, then is dead-lettered",
          "[bus]") {
    NotesAndAudit modules(fast_retries(3));
    modules.harness.start();
    modules.add("a", 1, "poison");
    REQUIRE(modules.harness.wait_idle());

    CHECK(modules.audited("a").empty());
    CHECK(modules.harness.on(modules.audit, [](SQLite::Database& database) {
        return count(database, "SELECT count(*) FROM inbox") +
               count(database, "SELECT count(*) FROM inbox_block");
    }) == 0);
    const auto letters = modules.dead_letters();
    REQUIRE(letters.size() == 1);
    CHECK(letters[0].attempts == 3);
    CHECK(letters[0].error == "poison message");
    CHECK(letters[0].subscriber == "audit");
    CHECK(letters[0].publisher == "notes");
    CHECK(letters[0].type == "test.note_added");
    CHECK(modules.control->attempts.begin()->second == 3);
    const auto metrics = modules.harness.metrics.render();
    CHECK_THAT(metrics,
               Catch::Contains(
                   R"(shopd_messages_retried_total{type="test.note_added",subscriber="audit"} 2)"));
    CHECK_THAT(
        metrics,
        Catch::Contains(
            R"(shopd_messages_dead_lettered_total{type="test.note_added",subscriber="audit"} 1)"));
}

TEST_CASE("a transiently failing handler is retried until it succeeds", "[bus]") {
    NotesAndAudit modules(fast_retries(5));
    modules.harness.start();
    modules.add("a", 1, "fail:2");
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1});
    CHECK(modules.control->attempts.begin()->second == 3);
    CHECK(modules.dead_letters().empty());
}

TEST_CASE("a retry waits for business time, and moving the shop clock brings it forward",
          "[bus][clock]") {
    using namespace std::chrono_literals;
    auto policy = fast_retries(5);
    policy.retry_base = 1h;
    policy.retry_cap = 1h;
    NotesAndAudit modules(policy);
    modules.harness.clock.freeze(true);
    modules.harness.start();
    modules.add("a", 1, "fail:1");
    // The retry is due an hour after the failure is recorded, not after the handler starts:
    // moving the clock before that would move the due time with it.
    REQUIRE(eventually([&] {
        return modules.harness.metrics.render().find(
                   R"(shopd_messages_retried_total{type="test.note_added",subscriber="audit"} 1)") !=
               std::string::npos;
    }));
    modules.harness.clock.advance(59min);
    pump(modules, 20);
    CHECK(modules.control->started == 1);
    modules.harness.clock.advance(1min);
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1});
    CHECK(modules.control->started == 2);
}

TEST_CASE("replaying a dead letter delivers it", "[bus]") {
    NotesAndAudit modules(fast_retries(2));
    modules.harness.start();
    modules.add("a", 1, "poison");
    REQUIRE(modules.harness.wait_idle());
    const auto letters = modules.dead_letters();
    REQUIRE(letters.size() == 1);

    modules.control->poison_heals = true;
    std::promise<bus::Messaging::ReplayResult> replayed;
    modules.harness.messaging().replay_dead_letter(
        letters[0].id, [&](auto result) { replayed.set_value(result); });
    CHECK(replayed.get_future().get() == bus::Messaging::ReplayResult::replayed);
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1});
    CHECK(modules.dead_letters().empty());

    std::promise<bus::Messaging::ReplayResult> unknown;
    modules.harness.messaging().replay_dead_letter("notes.999.audit",
                                                   [&](auto result) { unknown.set_value(result); });
    CHECK(unknown.get_future().get() == bus::Messaging::ReplayResult::not_found);
}

TEST_CASE("a parked message holds back only the later messages of its own aggregate", "[bus]") {
    NotesAndAudit modules(fast_retries(2));
    modules.harness.start();
    modules.add("stuck", 1, "poison");
    modules.add("stuck", 2);
    for (int sequence = 1; sequence <= 3; ++sequence) {
        modules.add("flowing", sequence);
    }
    REQUIRE(eventually([&] { return modules.dead_letters().size() == 1; }));
    REQUIRE(eventually([&] { return modules.audited("flowing").size() == 3; }));
    CHECK(modules.audited("flowing") == std::vector<int>{1, 2, 3});
    CHECK(modules.audited("stuck").empty());

    modules.control->poison_heals = true;
    std::promise<bus::Messaging::ReplayResult> replayed;
    modules.harness.messaging().replay_dead_letter(
        modules.dead_letters()[0].id, [&](auto result) { replayed.set_value(result); });
    REQUIRE(replayed.get_future().get() == bus::Messaging::ReplayResult::replayed);
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("stuck") == std::vector<int>{1, 2});
}

TEST_CASE("per-aggregate order holds with many aggregates in flight and retries", "[bus]") {
    NotesAndAudit modules(fast_retries(10));
    modules.harness.start();
    constexpr int aggregates = 40;
    constexpr int messages = 25;
    for (int sequence = 1; sequence <= messages; ++sequence) {
        modules.harness.execute(modules.notes, [&](UnitOfWork& unit_of_work) {
            for (int aggregate = 0; aggregate < aggregates; ++aggregate) {
                // Every seventh message fails once, so retries interleave with later ones.
                const bool flaky = (aggregate + sequence) % 7 == 0;
                add_note(unit_of_work,
                         {"agg-" + std::to_string(aggregate), sequence, flaky ? "fail:1" : "ok"});
            }
        });
    }
    REQUIRE(modules.harness.wait_idle(std::chrono::milliseconds(60'000)));
    std::vector<int> expected(messages);
    std::iota(expected.begin(), expected.end(), 1);
    for (int aggregate = 0; aggregate < aggregates; ++aggregate) {
        INFO("aggregate " << aggregate);
        CHECK(modules.audited("agg-" + std::to_string(aggregate)) == expected);
    }
    CHECK(modules.control->handled == aggregates * messages);
}

TEST_CASE(
    "a subscriber new to a publisher reads its retained history when it asks to, else only "
    "what follows",
    "[bus]") {
    for (const auto from : {From::history, From::now}) {
        TemporaryDirectory directory;
        {
            BusHarness harness;
            auto& notes = harness.host("notes", {notes_migrations()},
                                       NotesAndAudit::location(directory.path, "notes"));
            harness.bus.declare_publication<NoteAdded>("notes");
            harness.start();
            for (int sequence = 1; sequence <= 3; ++sequence) {
                harness.execute(notes, [sequence](UnitOfWork& unit_of_work) {
                    add_note(unit_of_work, {"a", sequence, "ok"});
                });
            }
        }
        NotesAndAudit modules(fast_retries(), directory.path, from);
        modules.harness.start();
        modules.add("a", 4);
        REQUIRE(modules.harness.wait_idle());
        CHECK(modules.audited("a") ==
              (from == From::history ? std::vector<int>{1, 2, 3, 4} : std::vector<int>{4}));
    }
}

TEST_CASE("undelivered messages are delivered after the store is closed and reopened", "[bus]") {
    TemporaryDirectory directory;
    {
        NotesAndAudit modules(fast_retries(), directory.path);
        modules.harness.start();
        modules.harness.messaging().stop();  // messages are committed but not delivered
        for (int sequence = 1; sequence <= 5; ++sequence) {
            modules.add("a", sequence);
        }
        CHECK(modules.audited("a").empty());
    }
    {
        NotesAndAudit modules(fast_retries(), directory.path);
        modules.harness.start();
        REQUIRE(modules.harness.wait_idle());
        CHECK(modules.audited("a") == std::vector<int>{1, 2, 3, 4, 5});
    }
    {
        NotesAndAudit modules(fast_retries(), directory.path);
        modules.harness.start();
        REQUIRE(modules.harness.wait_idle());
        CHECK(modules.audited("a") == std::vector<int>{1, 2, 3, 4, 5});
    }
}

TEST_CASE("a message handled before a crash but not marked delivered is not handled twice",
          "[bus]") {
    TemporaryDirectory directory;
    {
        NotesAndAudit modules(fast_retries(), directory.path);
        modules.harness.start();
        modules.harness.messaging().stop();
        modules.add("a", 1);
        // The subscriber commits its effect, and the process dies before the publisher's
        // delivery row is removed.
        const auto envelope = modules.first_published();
        const auto first = modules.redeliver(envelope);
        REQUIRE(first.status == bus::DeliveryResult::Status::delivered);
    }
    NotesAndAudit modules(fast_retries(), directory.path);
    modules.harness.start();
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1});
    CHECK(modules.control->handled == 0);  // the redelivery found the inbox row
}

TEST_CASE(
    "a delivery that succeeds at once writes no delivery row and moves the subscriber's "
    "progress past it",
    "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    for (int sequence = 1; sequence <= 20; ++sequence) {
        modules.add("agg-" + std::to_string(sequence % 3), sequence);
    }
    REQUIRE(modules.harness.wait_idle());
    const auto progress = [&] {
        return modules.harness.on(modules.notes, [](SQLite::Database& database) {
            return count(database,
                         "SELECT delivered_through FROM outbox_progress WHERE subscriber = "
                         "'audit'") -
                   count(database, "SELECT max(seq) FROM outbox");
        });
    };
    // The progress is written in a batch after the last delivery settled.
    CHECK(eventually([&] { return progress() == 0; }));
    CHECK(modules.harness.on(modules.notes, [](SQLite::Database& database) {
        return count(database, "SELECT count(*) FROM outbox_delivery");
    }) == 0);
    CHECK(modules.control->handled == 20);
}

TEST_CASE(
    "a failed delivery and the later ones of its aggregate are recorded as rows, the "
    "other aggregates are not",
    "[bus]") {
    NotesAndAudit modules(fast_retries(2));
    modules.harness.start();
    modules.add("stuck", 1, "poison");
    REQUIRE(eventually([&] { return modules.dead_letters().size() == 1; }));
    modules.add("stuck", 2);
    modules.add("flowing", 1);
    REQUIRE(eventually([&] { return modules.audited("flowing").size() == 1; }));
    const auto recorded = [&] {
        return modules.harness.on(modules.notes, [](SQLite::Database& database) {
            SQLite::Statement query(
                database,
                "SELECT o.aggregateid || ':' || d.state FROM outbox_delivery AS d "
                "JOIN outbox AS o ON o.seq = d.seq ORDER BY d.seq");
            std::vector<std::string> found;
            while (query.executeStep()) {
                found.push_back(query.getColumn(0).getString());
            }
            return found;
        });
    };
    const std::vector<std::string> expected{"stuck:parked", "stuck:pending"};
    REQUIRE(eventually([&] { return recorded() == expected; }));
    CHECK(modules.audited("stuck").empty());
    CHECK(modules.notes.pending_deliveries() == 1);  // stuck 2, held back
    CHECK(modules.notes.parked_deliveries() == 1);
}

TEST_CASE(
    "deliveries an earlier shopd recorded one row per message are made once, in order, "
    "after the upgrade",
    "[bus]") {
    TemporaryDirectory directory;
    {
        NotesAndAudit modules(fast_retries(), directory.path);
        modules.harness.start();
        modules.harness.messaging().stop();
        for (int sequence = 1; sequence <= 4; ++sequence) {
            modules.add("a", sequence);
        }
        // As an earlier shopd left them: a row per delivery still to make, and no progress.
        modules.harness.execute(modules.notes, [](UnitOfWork& unit_of_work) {
            store::exec(unit_of_work.statements(),
                        "INSERT INTO outbox_delivery (seq, subscriber, aggregateid) "
                        "SELECT seq, 'audit', aggregateid FROM outbox WHERE seq > 1");
            store::exec(unit_of_work.statements(), "DELETE FROM outbox_progress");
        });
        const auto first = modules.redeliver(modules.first_published());
        REQUIRE(first.status == bus::DeliveryResult::Status::delivered);
    }
    NotesAndAudit modules(fast_retries(), directory.path);
    modules.harness.start();
    REQUIRE(modules.harness.wait_idle());
    modules.add("a", 5);  // and the first message after the upgrade follows them
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(backlog_of_notes(modules) == 0);  // what was counted at start was delivered, no more
    CHECK(modules.control->handled == 4);
}

TEST_CASE("progress lost in a crash only repeats deliveries the subscriber's inbox recognises",
          "[bus]") {
    TemporaryDirectory directory;
    {
        NotesAndAudit modules(fast_retries(), directory.path);
        modules.harness.start();
        for (int sequence = 1; sequence <= 5; ++sequence) {
            modules.add("a", sequence);
        }
        REQUIRE(modules.harness.wait_idle());
    }
    // The process died before the progress of these deliveries was written.
    SQLite::Database(directory.path / "notes.db", SQLite::OPEN_READWRITE)
        .exec("UPDATE outbox_progress SET delivered_through = 0");
    NotesAndAudit modules(fast_retries(), directory.path);
    modules.harness.start();
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(backlog_of_notes(modules) == 0);  // what was counted at start was delivered, no more
    CHECK(modules.control->handled == 0);
}

TEST_CASE("retention keeps an outbox row no subscriber has got past yet", "[bus][retention]") {
    using namespace std::chrono_literals;
    NotesAndAudit modules;
    modules.harness.start();
    modules.harness.messaging().stop();
    modules.add("a", 1);
    modules.harness.clock.advance(10ms);
    const auto forget_outbox = [&] {
        std::int64_t forgotten = 0;
        modules.harness.execute(modules.notes, [&](UnitOfWork& unit_of_work) {
            forgotten = bus::forget_settled_messages(unit_of_work, 5ms).outbox;
        });
        return forgotten;
    };
    CHECK(forget_outbox() == 0);
    modules.harness.messaging().start();
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.audited("a") == std::vector<int>{1});
    REQUIRE(eventually([&] { return forget_outbox() == 1; }));
}

TEST_CASE("delivered and handled messages are forgotten after the retention, parked ones kept",
          "[bus][retention]") {
    using namespace std::chrono_literals;
    NotesAndAudit modules(fast_retries(2));
    modules.harness.start();
    modules.add("a", 1);
    modules.add("b", 1, "poison");
    REQUIRE(modules.harness.wait_idle());
    REQUIRE(modules.dead_letters().size() == 1);
    modules.harness.clock.advance(10ms);

    const auto forget = [&](bus::ModuleRuntime& module, std::chrono::milliseconds keep) {
        bus::Forgotten forgotten;
        modules.harness.execute(module, [&](UnitOfWork& unit_of_work) {
            forgotten = bus::forget_settled_messages(unit_of_work, keep);
        });
        return forgotten;
    };
    CHECK(forget(modules.notes, 1h).outbox == 0);
    CHECK(forget(modules.audit, 1h).inbox == 0);
    CHECK(forget(modules.notes, 5ms).outbox == 1);  // a's row; the parked b stays
    CHECK(forget(modules.audit, 5ms).inbox == 1);
    CHECK(modules.harness.on(modules.notes, [](SQLite::Database& database) {
        return count(database, "SELECT count(*) FROM outbox WHERE aggregateid = 'b'");
    }) == 1);
    CHECK(modules.dead_letters().size() == 1);
}

TEST_CASE("with the relay on, retention keeps an outbox row until Kafka acknowledged it",
          "[bus][retention]") {
    using namespace std::chrono_literals;
    NotesAndAudit modules;
    modules.harness.start();
    modules.add("a", 1);
    REQUIRE(modules.harness.wait_idle());
    modules.harness.clock.advance(10ms);

    const auto forget_outbox = [&] {
        std::int64_t forgotten = 0;
        modules.harness.execute(modules.notes, [&](UnitOfWork& unit_of_work) {
            forgotten = bus::forget_settled_messages(unit_of_work, 5ms, bus::Relay::on).outbox;
        });
        return forgotten;
    };
    CHECK(forget_outbox() == 0);  // delivered locally, but not relayed yet
    modules.harness.execute(modules.notes, [](UnitOfWork& unit_of_work) {
        store::exec(unit_of_work.statements(), "UPDATE outbox SET relayed_at = 'x'");
    });
    CHECK(forget_outbox() == 1);
}

TEST_CASE("the envelope carries correlation, causation and trace context onward", "[bus]") {
    NotesAndAudit modules;
    modules.harness.start();
    modules.harness.execute(modules.notes, [](UnitOfWork& unit_of_work) {
        add_note(unit_of_work, {"order-7", 1, "ok"});
    });
    REQUIRE(modules.harness.wait_idle());
    const auto row = modules.harness.on(modules.notes, [](SQLite::Database& database) {
        SQLite::Statement query(database,
                                "SELECT correlation_id, causation_id, traceparent, aggregatetype,"
                                " type, version FROM outbox");
        query.executeStep();
        return std::vector<std::string>{
            query.getColumn(0).getString(), query.getColumn(1).getString(),
            query.getColumn(2).getString(), query.getColumn(3).getString(),
            query.getColumn(4).getString(), query.getColumn(5).getString()};
    });
    CHECK(row[0] == "order-7");  // no context: the aggregate is the correlation
    CHECK(row[1].empty());
    CHECK(row[2].size() == 55);
    CHECK(row[3] == "note");
    CHECK(row[4] == "test.note_added");
    CHECK(row[5] == "1");
}

TEST_CASE("publishing a message the module did not declare is refused", "[bus]") {
    BusHarness harness;
    auto& notes = harness.host("notes", {notes_migrations()});
    harness.start();
    CHECK_THROWS_WITH(harness.execute(notes,
                                      [](UnitOfWork& unit_of_work) {
                                          add_note(unit_of_work, {"a", 1, "ok"});
                                      }),
                      Catch::Contains("without declaring it"));
}

}  // namespace shopd::testing
