-- Split mode: messages consumed from another process's topic that this module kept failing to
-- handle. The publisher's outbox, where dead letters live in one process, is in the other
-- process, so they are parked here instead. Later messages of the same aggregate wait behind
-- them (held), in order, until a replay delivers the parked one.
CREATE TABLE intake_parked (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id     TEXT    NOT NULL UNIQUE,
    publisher      TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    aggregatetype  TEXT    NOT NULL,
    aggregateid    TEXT    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    correlation_id TEXT    NOT NULL,
    causation_id   TEXT    NOT NULL,
    traceparent    TEXT    NOT NULL,
    payload        TEXT    NOT NULL,
    held           INTEGER NOT NULL DEFAULT 0,  -- 1: waits only behind an earlier parked message
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    parked_at      TEXT    NOT NULL
);

CREATE INDEX intake_parked_by_aggregate ON intake_parked (aggregateid, seq);
