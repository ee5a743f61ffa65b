-- Who placed an order: the kiosk's key name, so a kiosk reads back only the orders it placed.
-- Empty for orders placed by a customer itself or an operator.
ALTER TABLE customer_order ADD COLUMN placed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX order_by_placer ON customer_order (placed_by, id) WHERE placed_by <> '';
