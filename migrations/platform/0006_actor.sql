-- Who made the API call that published a message ("key ops-1 (operator)"); empty for a message
-- published while handling another, or by the shop itself.
ALTER TABLE outbox ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE intake_parked ADD COLUMN actor TEXT NOT NULL DEFAULT '';
