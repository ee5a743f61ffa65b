-- The Kafka relay's progress through the outbox: a row is marked once the brokers acknowledged
-- it, so after a restart the relay resumes with the first unmarked row.
ALTER TABLE outbox ADD COLUMN relayed_at TEXT;

CREATE INDEX outbox_unrelayed ON outbox (seq) WHERE relayed_at IS NULL;
