-- A cancel of an order whose shipment was asked for waits for shipping to cancel the shipment
-- before anything is refunded or released: cancel_requested holds its reason meanwhile. A
-- dispatch that came first ends the wait with the order kept, and the column empty again.
ALTER TABLE customer_order ADD COLUMN cancel_requested TEXT;
