#include "support/test_modules.hpp"

#include <SQLiteCpp/Statement.h>
#include <atomic>
#include <sqlite3.h>
#include <stdexcept>
#include <thread>
#include <utility>

#include <shopd/module.hpp>

namespace shopd::testing {
namespace json = boost::json;

void add_note(UnitOfWork& unit_of_work, const NoteAdded& note) {
    SQLite::Statement insert(unit_of_work.database(),
                             "INSERT INTO notes (aggregate, sequence, text) VALUES (?, ?, ?)");
    insert.bind(1, note.aggregate);
    insert.bind(2, note.sequence);
    insert.bind(3, note.text);
    insert.exec();
    unit_of_work.publish(note, AggregateRef{"note", note.aggregate});
}

void audit_note(AuditControl& control, UnitOfWork& unit_of_work, const NoteAdded& note) {
    ++control.started;
    if (control.handler_delay.count() > 0) {
        std::this_thread::sleep_for(control.handler_delay);
    }
    SQLite::Statement insert(unit_of_work.database(),
                             "INSERT INTO seen (aggregate, sequence, text) VALUES (?, ?, ?)");
    insert.bind(1, note.aggregate);
    insert.bind(2, note.sequence);
    insert.bind(3, note.text);
    insert.exec();

    int attempt = 0;
    {
        std::lock_guard lock(control.mutex);
        attempt = ++control.attempts[unit_of_work.context().causation_id];
    }
    if (note.text.starts_with("fail:") && attempt <= std::stoi(note.text.substr(5))) {
        throw std::runtime_error("transient failure " + std::to_string(attempt));
    }
    if (note.text == "poison" && !control.poison_heals) {
        throw std::runtime_error("poison message");
    }
    unit_of_work.after_commit([&control] { ++control.handled; });
}

void refuse_commits_while(SQLite::Database& database, std::atomic<bool>& full) {
    sqlite3_commit_hook(
        database.getHandle(),
        [](void* flag) { return static_cast<std::atomic<bool>*>(flag)->load() ? 1 : 0; }, &full);
}

void AuditControl::release_held() {
    std::vector<http::Reply> replies;
    {
        std::lock_guard lock(mutex);
        replies = std::exchange(held, {});
    }
    for (const auto& reply : replies) {
        reply(http::json_response(200, json::object{{"released", true}}));
    }
}

ModuleDefinition notes_module() {
    return {
        "notes", [](ModuleBuilder& builder) {
            builder.migrations(notes_migrations());
            builder.publishes<NoteAdded>();
            auto& work = builder.work();
            builder.intake(
                {http::Method::post,
                 "/api/notes",
                 http::Body::json,
                 {Role::anyone},
                 [&work](const http::Request& request, http::Reply reply) {
                     const auto& body = request.json.as_object();
                     NoteAdded note{json::value_to<std::string>(body.at("aggregate")),
                                    json::value_to<int>(body.at("sequence")),
                                    json::value_to<std::string>(body.at("text"))};
                     work.execute(
                         {}, [note](UnitOfWork& unit_of_work) { add_note(unit_of_work, note); },
                         [reply](std::exception_ptr failure) {
                             reply(failure ? http::problem(500, "internal", "Internal error")
                                           : http::json_response(201, json::object{{"ok", true}}));
                         });
                 }});
            // Every commit of the notes database fails while {"full":true} holds, as on a full
            // disk.
            auto full = std::make_shared<std::atomic<bool>>(false);
            builder.route(
                {http::Method::post,
                 "/api/notes/disk",
                 http::Body::json,
                 {Role::anyone},
                 [&work, full](const http::Request& request, http::Reply reply) {
                     *full = request.json.at("full").as_bool();
                     // The hook stays on the connection; the unit of work that sets it may
                     // already fail to commit.
                     work.execute(
                         {},
                         [full](UnitOfWork& unit_of_work) {
                             refuse_commits_while(unit_of_work.database(), *full);
                         },
                         [full, reply](std::exception_ptr) {
                             reply(http::json_response(200, json::object{{"full", full->load()}}));
                         });
                 }});
            builder.route(
                {http::Method::post,
                 "/api/notes/slow",
                 http::Body::json,
                 {Role::anyone},
                 [&work](const http::Request& request, http::Reply reply) {
                     const auto millis = request.json.at("millis").to_number<int>();
                     work.execute(
                         {},
                         [millis](UnitOfWork&) {
                             std::this_thread::sleep_for(std::chrono::milliseconds(millis));
                         },
                         [reply](std::exception_ptr) {
                             reply(http::json_response(200, json::object{{"slept", true}}));
                         });
                 }});
        }};
}

ModuleDefinition audit_module(std::shared_ptr<AuditControl> control) {
    return {
        "audit", [control](ModuleBuilder& builder) {
            builder.migrations(audit_migrations());
            builder.subscribe<NoteAdded>(
                [control](UnitOfWork& unit_of_work, const NoteAdded& note) {
                    audit_note(*control, unit_of_work, note);
                });
            builder.route({http::Method::get,
                           "/api/audit/held",
                           http::Body::none,
                           {Role::anyone},
                           [control](const http::Request&, http::Reply reply) {
                               std::lock_guard lock(control->mutex);
                               control->held.push_back(std::move(reply));
                           }});
            auto& work = builder.work();
            builder.route(
                {http::Method::get,
                 "/api/audit/{aggregate}",
                 http::Body::none,
                 {Role::anyone},
                 [&work](const http::Request& request, http::Reply reply) {
                     auto sequences = std::make_shared<json::array>();
                     const auto aggregate = request.param("aggregate");
                     work.execute(
                         {},
                         [sequences, aggregate](UnitOfWork& unit_of_work) {
                             SQLite::Statement query(
                                 unit_of_work.database(),
                                 "SELECT sequence FROM seen WHERE aggregate = ? ORDER BY position");
                             query.bind(1, aggregate);
                             while (query.executeStep()) {
                                 sequences->push_back(query.getColumn(0).getInt());
                             }
                         },
                         [reply, sequences](std::exception_ptr) {
                             reply(http::json_response(
                                 200, json::object{{"sequences", std::move(*sequences)}}));
                         });
                 }});
        }};
}

}  // namespace shopd::testing
