-- Who made the API call that this step comes from ("key ops-1 (operator)"); empty when the
-- saga took the step by itself.
ALTER TABLE order_timeline ADD COLUMN actor TEXT NOT NULL DEFAULT '';
