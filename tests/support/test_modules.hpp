#pragma once
// Two small modules for testing the platform: `notes` stores notes and publishes NoteAdded;
// `audit` records every NoteAdded it handles. The audit handler misbehaves on request:
//   text "fail:N"  throws on the first N attempts of that message, then succeeds;
//   text "poison"  throws while `poison_heals` is false.
// It writes its row before throwing, so a test can prove the rollback.

#include <SQLiteCpp/Database.h>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <shopd/http.hpp>
#include <shopd/migration.hpp>
#include <shopd/module.hpp>
#include <shopd/unit_of_work.hpp>

#include "support/messages.hpp"

namespace shopd::testing {

store::MigrationSet notes_migrations();
store::MigrationSet audit_migrations();

// Shared with the handlers; a test inspects and steers it.
struct AuditControl {
    std::mutex mutex;
    std::map<std::string, int> attempts;  // by message id
    std::atomic<bool> poison_heals{false};
    std::atomic<int> started{0};  // handler calls begun, including those that fail
    std::atomic<int> handled{0};  // handler runs committed
    std::chrono::milliseconds handler_delay{0};

    // The answers GET /api/audit/held owes, given by release_held; no thread waits meanwhile.
    std::vector<http::Reply> held;  // under mutex
    std::size_t held_count() {
        std::lock_guard lock(mutex);
        return held.size();
    }
    void release_held();
};

// Every commit of `database` fails while `full` holds, as on a full disk: the whole batch rolls
// back. On the database's strand; `full` must outlive the database.
void refuse_commits_while(SQLite::Database& database, std::atomic<bool>& full);

// Inserts the note and publishes NoteAdded in the same unit of work.
void add_note(UnitOfWork& unit_of_work, const NoteAdded& note);

// The audit subscriber's handler.
void audit_note(AuditControl& control, UnitOfWork& unit_of_work, const NoteAdded& note);

// As App modules, with HTTP routes:
//   POST /api/notes {"aggregate","sequence","text"} -> 201
//   POST /api/notes/slow {"millis"} -> 200 after holding the notes executor that long
//   POST /api/notes/disk {"full"} -> 200; while full, every commit of the notes database fails
//   GET  /api/audit/{aggregate} -> {"sequences":[...]}
//   GET  /api/audit/held -> 200 once the test calls AuditControl::release_held
ModuleDefinition notes_module();
ModuleDefinition audit_module(std::shared_ptr<AuditControl> control);

}  // namespace shopd::testing
