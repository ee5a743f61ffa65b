#include "bus/intake_parking.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <future>

#include <shopd/clock.hpp>
#include <shopd/ids.hpp>

#include "support/notes_and_audit.hpp"

namespace shopd::testing {
namespace {

// A NoteAdded as it arrives from a notes module in another process, called "remote" here (the
// notes module of this harness is hosted, so its letters would be looked for in its outbox).
Envelope from_elsewhere(const std::string& aggregate, int sequence, const std::string& text) {
    return {new_uuid_v7(),
            "test.note_added",
            1,
            "note",
            aggregate,
            rfc3339(std::chrono::system_clock::now()),
            aggregate,
            "",
            new_traceparent(),
            fmt::format(R"({{"aggregate":"{}","sequence":{},"text":"{}"}})", aggregate, sequence,
                        text)};
}

bus::Messaging::ReplayResult replay(NotesAndAudit& modules, const std::string& id) {
    std::promise<bus::Messaging::ReplayResult> replayed;
    modules.harness.messaging().replay_dead_letter(
        id, [&](auto result) { replayed.set_value(result); });
    return replayed.get_future().get();
}

std::int64_t parked_rows(NotesAndAudit& modules) {
    return modules.harness.on(modules.audit, [](SQLite::Database& database) {
        return database.execAndGet("SELECT count(*) FROM intake_parked").getInt64();
    });
}

}  // namespace

TEST_CASE(
    "a message parked by a consumer holds back its aggregate until a replay delivers it "
    "and then the held ones in order",
    "[bus][split]") {
    NotesAndAudit modules;
    modules.harness.start();
    const auto poison = from_elsewhere("a", 1, "poison");
    const auto later = from_elsewhere("a", 2, "ok");
    const auto other = from_elsewhere("b", 1, "ok");

    // What the consumer does: the poison one failed every attempt and is parked; the later
    // one of the same aggregate waits behind it; another aggregate goes on.
    bool held_later = false;
    bool held_other = true;
    modules.harness.execute(modules.audit, [&](UnitOfWork& unit_of_work) {
        CHECK_FALSE(bus::hold_behind_parked(unit_of_work, poison, "remote"));
        bus::park(unit_of_work, poison, "remote", 3, "poison message");
        held_later = bus::hold_behind_parked(unit_of_work, later, "remote");
        held_other = bus::hold_behind_parked(unit_of_work, other, "remote");
        // A redelivery of the parked one (after a crash before its offset was committed).
        CHECK(bus::hold_behind_parked(unit_of_work, poison, "remote"));
    });
    CHECK(held_later);
    CHECK_FALSE(held_other);
    CHECK(parked_rows(modules) == 2);

    auto letters = modules.dead_letters();
    REQUIRE(letters.size() == 1);  // the held one is not a dead letter of its own
    CHECK(letters[0].publisher == "remote");
    CHECK(letters[0].subscriber == "audit");
    CHECK(letters[0].message_id == poison.id);
    CHECK(letters[0].attempts == 3);
    CHECK(letters[0].error == "poison message");

    // The publisher is not hosted here: the replay finds the letter with its subscriber. Still
    // poisoned, it is parked again and the held one keeps waiting.
    CHECK(replay(modules, letters[0].id) == bus::Messaging::ReplayResult::replayed);
    REQUIRE(eventually([&] { return modules.dead_letters().at(0).attempts == 4; }));
    CHECK(modules.audited("a").empty());

    modules.control->poison_heals = true;
    CHECK(replay(modules, letters[0].id) == bus::Messaging::ReplayResult::replayed);
    REQUIRE(eventually([&] { return parked_rows(modules) == 0; }));
    CHECK(modules.audited("a") == std::vector<int>{1, 2});
    CHECK(modules.dead_letters().empty());
    CHECK(replay(modules, letters[0].id) == bus::Messaging::ReplayResult::not_found);

    bool held_after = true;
    modules.harness.execute(modules.audit, [&](UnitOfWork& unit_of_work) {
        held_after = bus::hold_behind_parked(unit_of_work, from_elsewhere("a", 3, "ok"), "remote");
    });
    CHECK_FALSE(held_after);
}

}  // namespace shopd::testing
