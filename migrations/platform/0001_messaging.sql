-- Messaging tables present in every module's database.

-- Messages this module published, written in the same transaction as the state change they
-- announce. Column names follow the Debezium outbox convention.
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,  -- write order: delivery order
    id             TEXT    NOT NULL UNIQUE,            -- message id, UUIDv7
    aggregatetype  TEXT    NOT NULL,
    aggregateid    TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    correlation_id TEXT    NOT NULL,
    causation_id   TEXT    NOT NULL,
    traceparent    TEXT    NOT NULL
);

-- One row per (message, subscribing module) still to be delivered. A row is deleted once the
-- subscriber committed its effect; a row that kept failing stays, parked, and holds back the
-- later messages of its aggregate for that subscriber until it is replayed.
CREATE TABLE outbox_delivery (
    seq             INTEGER NOT NULL REFERENCES outbox (seq),
    subscriber      TEXT    NOT NULL,
    aggregateid     TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    parked_at       TEXT,
    PRIMARY KEY (seq, subscriber)
) WITHOUT ROWID;

CREATE INDEX outbox_delivery_by_aggregate ON outbox_delivery (subscriber, aggregateid, seq);

-- The dead letters: deliveries that exhausted their retries.
CREATE VIEW dead_letter AS
    SELECT d.seq, d.subscriber, d.attempts, d.last_error, d.parked_at,
           o.id AS message_id, o.type, o.version, o.aggregatetype, o.aggregateid,
           o.correlation_id, o.payload
    FROM outbox_delivery AS d JOIN outbox AS o ON o.seq = d.seq
    WHERE d.state = 'parked';

-- Messages this module has handled, recorded in the same transaction as the handler's effect:
-- a second delivery of the same message is recognised and does nothing.
CREATE TABLE inbox (
    message_id TEXT NOT NULL PRIMARY KEY,
    type       TEXT NOT NULL,
    handled_at TEXT NOT NULL
) WITHOUT ROWID;
