-- One notification per order and kind (confirmed, cancelled, shipped, delivered, refunded).
CREATE TABLE notification (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (order_id, kind)
);
CREATE INDEX notification_by_customer ON notification (customer_id, id);

-- The webhook channel's delivery of each notification. status: pending, delivered, failed.
CREATE TABLE webhook_delivery (
    notification_id TEXT    PRIMARY KEY REFERENCES notification (id),
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,
    last_error      TEXT,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX webhook_due ON webhook_delivery (next_attempt_ms) WHERE status = 'pending';
