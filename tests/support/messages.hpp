#pragma once
// Messages of the test modules: they exercise the platform without any business module.

#include <boost/describe/class.hpp>
#include <boost/json.hpp>
#include <string>

#include <shopd/message.hpp>

namespace shopd::testing {

struct NoteAdded {
    static constexpr std::string_view type_name = "test.note_added";
    static constexpr int version = 1;
    static constexpr MessageKind kind = MessageKind::event;

    std::string aggregate;
    int sequence = 0;
    std::string text;
};

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& json,
                       const NoteAdded& note) {
    json = {{"aggregate", note.aggregate}, {"sequence", note.sequence}, {"text", note.text}};
}

inline NoteAdded tag_invoke(boost::json::value_to_tag<NoteAdded>, const boost::json::value& json) {
    const auto& object = json.as_object();
    return {boost::json::value_to<std::string>(object.at("aggregate")),
            boost::json::value_to<int>(object.at("sequence")),
            boost::json::value_to<std::string>(object.at("text"))};
}

// Version 2 of a message whose version 1 called `title` `name` and had no `pages`: what a
// message looks like after its struct moved on.
struct NoteTitled {
    static constexpr std::string_view type_name = "test.note_titled";
    static constexpr int version = 2;
    static constexpr MessageKind kind = MessageKind::event;

    std::string title;
    int pages = 0;

    static boost::json::value upcast(int from_version, boost::json::value payload) {
        auto& object = payload.as_object();
        if (from_version == 1) {
            // Copied out first: inserting "title" may move the object's storage.
            boost::json::value name = object.at("name");
            object.erase("name");
            object["title"] = std::move(name);
            object["pages"] = 1;
        }
        return payload;
    }
};
BOOST_DESCRIBE_STRUCT(NoteTitled, (), (title, pages))

}  // namespace shopd::testing
