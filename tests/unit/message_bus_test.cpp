#include "bus/message_bus.hpp"

#include <catch2/catch.hpp>

#include "support/messages.hpp"

namespace shopd::bus {
namespace {

struct DoThing {
    static constexpr std::string_view type_name = "test.do_thing";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::command;
    std::string what;
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& json, const DoThing& command) {
    json = {{"what", command.what}};
}
DoThing tag_invoke(boost::json::value_to_tag<DoThing>, const boost::json::value& json) {
    return {boost::json::value_to<std::string>(json.at("what"))};
}

void ignore(UnitOfWork&, const DoThing&) {}

}  // namespace

TEST_CASE("a command must have exactly one handler", "[bus]") {
    MessageBus bus;
    bus.declare_publication<DoThing>("a");
    CHECK_THROWS_WITH(bus.validate(), Catch::Contains("exactly one handler, has 0"));
    bus.subscribe<DoThing>("b", ignore);
    CHECK_NOTHROW(bus.validate());
    bus.subscribe<DoThing>("c", ignore);
    CHECK_THROWS_WITH(bus.validate(), Catch::Contains("exactly one handler, has 2"));
}

TEST_CASE("an event may have any number of subscribers, one per module", "[bus]") {
    MessageBus bus;
    bus.declare_publication<testing::NoteAdded>("a");
    CHECK_NOTHROW(bus.validate());
    const auto handler = [](UnitOfWork&, const testing::NoteAdded&) {};
    bus.subscribe<testing::NoteAdded>("b", handler);
    bus.subscribe<testing::NoteAdded>("c", handler);
    CHECK(bus.subscribers("test.note_added") == std::vector<std::string>{"b", "c"});
    CHECK_THROWS_WITH(bus.subscribe<testing::NoteAdded>("b", handler), Catch::Contains("twice"));
}

TEST_CASE("a module reads all it takes of one publisher from one starting point", "[bus]") {
    MessageBus bus;
    bus.declare_publication<DoThing>("a");
    bus.declare_publication<testing::NoteAdded>("a");
    bus.subscribe<DoThing>("b", ignore, From::history);
    bus.subscribe<testing::NoteAdded>("b", [](UnitOfWork&, const testing::NoteAdded&) {});
    CHECK_THROWS_WITH(bus.validate(), Catch::Contains("one from now and one from the history"));
    CHECK(bus.start_of("b", "a") == From::history);
    CHECK(bus.start_of("c", "a") == From::now);
}

TEST_CASE("a newer payload than the struct cannot be decoded, naming both versions", "[bus]") {
    Envelope envelope;
    envelope.type = "test.note_added";
    envelope.version = 2;
    envelope.payload = R"({"aggregate":"a","sequence":1,"text":"x"})";
    CHECK_THROWS_WITH(decode_payload<testing::NoteAdded>(envelope),
                      Catch::Contains("v2 is newer than this shopd understands (v1)"));
    envelope.version = 1;
    CHECK(decode_payload<testing::NoteAdded>(envelope).sequence == 1);
}

TEST_CASE("an older payload is upcast to the struct's version", "[bus]") {
    Envelope envelope;
    envelope.type = "test.note_titled";
    envelope.version = 1;
    envelope.payload = R"({"name":"Minutes"})";
    const auto note = decode_payload<testing::NoteTitled>(envelope);
    CHECK(note.title == "Minutes");
    CHECK(note.pages == 1);
    envelope.version = 2;
    envelope.payload = R"({"title":"Agenda","pages":3})";
    CHECK(decode_payload<testing::NoteTitled>(envelope).pages == 3);
    envelope.version = 0;
    CHECK_THROWS(decode_payload<testing::NoteAdded>(envelope));
}

TEST_CASE("every test message round-trips through JSON", "[bus]") {
    const testing::NoteAdded note{"agg", 3, "text"};
    const auto back = boost::json::value_to<testing::NoteAdded>(boost::json::value_from(note));
    CHECK(back.aggregate == note.aggregate);
    CHECK(back.sequence == note.sequence);
    CHECK(back.text == note.text);
}

}  // namespace shopd::bus
