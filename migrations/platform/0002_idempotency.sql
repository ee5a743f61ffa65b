-- The answers to mutating requests that carried an Idempotency-Key, written in the same
-- transaction as their effect: a repeat gets the stored answer and causes nothing. The
-- fingerprint (method, target and body) tells a repeat from another request reusing the key.
CREATE TABLE idempotency_key (
    key           TEXT    PRIMARY KEY,
    fingerprint   TEXT    NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT    NOT NULL,
    headers       TEXT    NOT NULL,  -- JSON array of {"name", "value"}
    body          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX idempotency_key_age ON idempotency_key (created_at_ms);
