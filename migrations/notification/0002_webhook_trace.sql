-- The trace of the message that caused the notification: its webhook calls, retries included,
-- belong to the order's trace.
ALTER TABLE webhook_delivery ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
