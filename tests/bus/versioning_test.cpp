// Messages written by an older or newer shopd, as they wait in an outbox or arrive by relay.
#include <catch2/catch.hpp>
#include <mutex>

#include "bus/messaging.hpp"
#include "support/bus_harness.hpp"
#include "support/messages.hpp"

namespace shopd::testing {

namespace {

// A writer whose outbox holds payloads of any version, and a reader on NoteTitled v2.
struct WriterAndReader {
    WriterAndReader()
        : harness(fast_retries(3)),
          writer(harness.host("writer", {})),
          reader(harness.host("reader", {})) {
        harness.bus.declare_publication<NoteTitled>("writer");
        harness.bus.subscribe<NoteTitled>("reader", [this](UnitOfWork&, const NoteTitled& note) {
            std::lock_guard lock(mutex);
            read.push_back(note.title + "/" + std::to_string(note.pages));
        });
    }

    void write(int version, const std::string& payload) {
        harness.execute(writer, [&](UnitOfWork& unit_of_work) {
            unit_of_work.publish_payload(NoteTitled::type_name, version, {"note", "n-1"}, payload);
        });
    }

    std::vector<bus::DeadLetter> dead_letters() {
        std::promise<std::vector<bus::DeadLetter>> letters;
        harness.messaging().list_dead_letters(
            [&](std::vector<bus::DeadLetter> found) { letters.set_value(std::move(found)); });
        return letters.get_future().get();
    }

    BusHarness harness;
    bus::ModuleRuntime& writer;
    bus::ModuleRuntime& reader;
    std::mutex mutex;
    std::vector<std::string> read;
};

}  // namespace

TEST_CASE("messages stored as v1 are handled after the struct moved to v2", "[bus][versioning]") {
    WriterAndReader modules;
    modules.harness.start();
    modules.write(1, R"({"name":"Minutes"})");
    modules.write(2, R"({"title":"Agenda","pages":3})");
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.read == std::vector<std::string>{"Minutes/1", "Agenda/3"});
    CHECK(modules.dead_letters().empty());
}

TEST_CASE("a message of an unknown future version is parked with a clear error",
          "[bus][versioning]") {
    WriterAndReader modules;
    modules.harness.start();
    modules.write(3, R"({"title":"Later","pages":1,"colour":"red"})");
    REQUIRE(modules.harness.wait_idle());
    CHECK(modules.read.empty());
    const auto letters = modules.dead_letters();
    REQUIRE(letters.size() == 1);
    CHECK(letters[0].version == 3);
    CHECK_THAT(letters[0].error,
               Catch::Contains("test.note_titled v3 is newer than this shopd understands (v2)"));
}

}  // namespace shopd::testing
