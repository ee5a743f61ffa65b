-- The payment token is kept only until the capture is asked for: from then on it lives in the
-- CapturePayment message alone (whose outbox row forgets it once the capture is answered), and
-- the order remembers that message's id.
ALTER TABLE customer_order ADD COLUMN capture_message_id TEXT NOT NULL DEFAULT '';
UPDATE customer_order SET payment_token = '' WHERE payment_requested = 1;
