-- The trace of the request that placed the order: what the order does by itself later (a
-- deadline passing) belongs to it too.
ALTER TABLE customer_order ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
