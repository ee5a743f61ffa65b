// Micro-benchmarks of the bus's hot paths: an envelope's JSON encoding and decoding, a unit of
// work writing its outbox row, and the dispatch of committed messages to a subscriber. The
// databases are files in WAL mode with synchronous=normal, as shopd runs by default.
#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <shopd/contracts/inventory.hpp>
#include <shopd/envelope.hpp>

#include "bus/message_bus.hpp"
#include "support/notes_and_audit.hpp"

namespace {
using namespace shopd;
namespace json = boost::json;
namespace inventory = contracts::inventory;

Envelope stock_reserved_envelope() {
    const inventory::StockReserved message{
        "0191d2a8-7f00-7000-8000-00000000abcd",
        {{"MUG", 2, 1250, 300}, {"TEA", 1, 499, 100}, {"HAT", 3, 999, 200}},
        2500 + 499 + 2997,
        "EUR",
        "2026-11-23T10:15:00.000Z"};
    return Envelope{"0191d2a8-7f00-7000-8000-000000000001",
                    std::string{inventory::StockReserved::type_name},
                    inventory::StockReserved::version,
                    "order",
                    message.order_id,
                    "2026-11-23T10:00:00.000Z",
                    message.order_id,
                    "0191d2a8-7f00-7000-8000-000000000000",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                    json::serialize(json::value_from(message))};
}

void envelope_encode(benchmark::State& state) {
    const auto envelope = stock_reserved_envelope();
    for (auto _ : state) {
        benchmark::DoNotOptimize(json::serialize(envelope_to_json(envelope)));
    }
}
BENCHMARK(envelope_encode);

void envelope_decode(benchmark::State& state) {
    const auto text = json::serialize(envelope_to_json(stock_reserved_envelope()));
    for (auto _ : state) {
        const auto envelope = envelope_from_json(json::parse(text));
        benchmark::DoNotOptimize(decode_payload<inventory::StockReserved>(envelope));
    }
}
BENCHMARK(envelope_decode);

// notes and audit on database files in a fresh temporary directory.
struct NotesAndAuditOnDisk {
    NotesAndAuditOnDisk() { modules.harness.start(); }

    testing::TemporaryDirectory directory;
    testing::NotesAndAudit modules{testing::fast_retries(), directory.path};
};

// One unit of work per iteration: a note row and its outbox row, committed. Delivery is
// stopped, so only the write is measured.
void outbox_write(benchmark::State& state) {
    NotesAndAuditOnDisk on_disk;
    auto& modules = on_disk.modules;
    modules.harness.messaging().stop();
    int sequence = 0;
    for (auto _ : state) {
        modules.harness.execute(modules.notes, [&](UnitOfWork& unit_of_work) {
            testing::add_note(unit_of_work, {"a", ++sequence, "ok"});
        });
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(outbox_write)->UseRealTime();

// Batches of committed messages, each delivered to the subscriber and marked done.
void dispatch(benchmark::State& state) {
    NotesAndAuditOnDisk on_disk;
    auto& modules = on_disk.modules;
    const int batch = static_cast<int>(state.range(0));
    int sequence = 0;
    for (auto _ : state) {
        state.PauseTiming();
        modules.harness.messaging().stop();
        modules.harness.execute(modules.notes, [&](UnitOfWork& unit_of_work) {
            for (int i = 0; i < batch; ++i) {
                // One aggregate per message, so per-aggregate order does not serialize them.
                testing::add_note(unit_of_work, {std::to_string(i), ++sequence, "ok"});
            }
        });
        state.ResumeTiming();
        modules.harness.messaging().start();
        if (!modules.harness.wait_idle()) {
            state.SkipWithError("messages were not delivered within 10 s");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(dispatch)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
