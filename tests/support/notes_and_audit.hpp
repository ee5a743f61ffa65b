#pragma once
// The notes and audit test modules on a BusHarness, without HTTP: notes publishes NoteAdded,
// audit subscribes to it. For the bus tests and the bus micro-benchmarks.

#include <SQLiteCpp/Statement.h>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "support/bus_harness.hpp"
#include "support/temporary_directory.hpp"
#include "support/test_modules.hpp"

namespace shopd::testing {

inline std::vector<int> audited_sequences(SQLite::Database& database,
                                          const std::string& aggregate) {
    SQLite::Statement query(database,
                            "SELECT sequence FROM seen WHERE aggregate = ? ORDER BY position");
    query.bind(1, aggregate);
    std::vector<int> sequences;
    while (query.executeStep()) {
        sequences.push_back(query.getColumn(0).getInt());
    }
    return sequences;
}

// notes publishes NoteAdded; audit subscribes to it, from `from` on.
struct NotesAndAudit {
    explicit NotesAndAudit(bus::DeliveryPolicy policy = fast_retries(),
                           const std::filesystem::path& directory = {}, From from = From::now)
        : harness(policy),
          notes(harness.host("notes", {notes_migrations()}, location(directory, "notes"))),
          audit(harness.host("audit", {audit_migrations()}, location(directory, "audit"))) {
        harness.bus.declare_publication<NoteAdded>("notes");
        harness.bus.subscribe<NoteAdded>(
            "audit",
            [control = control](UnitOfWork& unit_of_work, const NoteAdded& note) {
                audit_note(*control, unit_of_work, note);
            },
            from);
    }

    static store::DatabaseLocation location(const std::filesystem::path& directory,
                                            const std::string& name) {
        return directory.empty() ? store::DatabaseLocation{{}, true}
                                 : store::DatabaseLocation{directory / (name + ".db"), false};
    }

    void add(const std::string& aggregate, int sequence, const std::string& text = "ok") {
        harness.execute(notes, [&](UnitOfWork& unit_of_work) {
            add_note(unit_of_work, {aggregate, sequence, text});
        });
    }

    std::vector<int> audited(const std::string& aggregate) {
        return harness.on(audit, [&](SQLite::Database& database) {
            return audited_sequences(database, aggregate);
        });
    }

    // The first message notes published, as its outbox row holds it.
    Envelope first_published() {
        return harness.on(notes, [](SQLite::Database& database) {
            SQLite::Statement row(database,
                                  "SELECT id, type, version, aggregatetype, aggregateid,"
                                  " occurred_at, correlation_id, causation_id, traceparent, payload"
                                  " FROM outbox ORDER BY seq LIMIT 1");
            row.executeStep();
            return Envelope{row.getColumn(0).getString(), row.getColumn(1).getString(),
                            row.getColumn(2).getInt(),    row.getColumn(3).getString(),
                            row.getColumn(4).getString(), row.getColumn(5).getString(),
                            row.getColumn(6).getString(), row.getColumn(7).getString(),
                            row.getColumn(8).getString(), row.getColumn(9).getString()};
        });
    }

    // Hands a message notes published to audit again, as the dispatcher would, with its
    // position in notes' outbox, and waits for the outcome.
    bus::DeliveryResult redeliver(const Envelope& envelope) {
        const auto seq = harness.on(notes, [&](SQLite::Database& database) {
            SQLite::Statement row(database, "SELECT seq FROM outbox WHERE id = ?");
            row.bind(1, envelope.id);
            row.executeStep();
            return row.getColumn(0).getInt64();
        });
        std::promise<bus::DeliveryResult> outcome;
        audit.receive(
            envelope, [&](bus::DeliveryResult result) { outcome.set_value(std::move(result)); },
            bus::OutboxPosition{"notes", seq});
        return outcome.get_future().get();
    }

    std::vector<bus::DeadLetter> dead_letters() {
        std::promise<std::vector<bus::DeadLetter>> letters;
        harness.messaging().list_dead_letters(
            [&](std::vector<bus::DeadLetter> found) { letters.set_value(std::move(found)); });
        return letters.get_future().get();
    }

    std::shared_ptr<AuditControl> control = std::make_shared<AuditControl>();
    BusHarness harness;
    bus::ModuleRuntime& notes;
    bus::ModuleRuntime& audit;
};

}  // namespace shopd::testing
