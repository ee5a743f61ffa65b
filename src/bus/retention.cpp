#include "bus/retention.hpp"

#include <shopd/clock.hpp>

namespace shopd::bus {

Forgotten forget_settled_messages(UnitOfWork& unit_of_work, std::chrono::milliseconds keep,
                                  Relay relay) {
    // Both columns hold RFC 3339 UTC with milliseconds, so text order is time order.
    const auto cutoff = rfc3339(unit_of_work.now() - keep);
    Forgotten forgotten;
    forgotten.outbox = store::exec(
        unit_of_work.statements(),
        "DELETE FROM outbox WHERE occurred_at < ? AND (? = 0 OR relayed_at IS NOT NULL) AND NOT "
        "EXISTS (SELECT 1 FROM outbox_delivery AS d WHERE d.seq = outbox.seq) AND NOT EXISTS "
        "(SELECT 1 FROM outbox_progress AS p WHERE p.delivered_through < outbox.seq)",
        cutoff, relay == Relay::on ? 1 : 0);
    forgotten.inbox =
        store::exec(unit_of_work.statements(), "DELETE FROM inbox WHERE handled_at < ?", cutoff) +
        store::exec(unit_of_work.statements(), "DELETE FROM inbox_block WHERE handled_at < ?",
                    cutoff);
    return forgotten;
}

}  // namespace shopd::bus
