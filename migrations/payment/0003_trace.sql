-- The trace of the order whose capture this is: a capture the provider answers later, by
-- itself, belongs to it too.
ALTER TABLE payment ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
