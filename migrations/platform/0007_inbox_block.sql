-- Messages from a publisher hosted in the same process are recorded by their position in its
-- outbox: a row per (publisher, block of 64 positions) with a bit per handled message, written
-- in the transaction of their effects. A batch that handles many messages writes a row per
-- block it touches instead of a row per message. Messages from Kafka keep a row each in inbox.
CREATE TABLE inbox_block (
    publisher  TEXT    NOT NULL,
    block      INTEGER NOT NULL,  -- outbox seq / 64
    handled    INTEGER NOT NULL,  -- bit (seq % 64) set: that message was handled
    handled_at TEXT    NOT NULL,  -- when a bit was last set
    PRIMARY KEY (publisher, block)
) WITHOUT ROWID;
