-- The read model of analytics: when each order reached each state, what it held, and the
-- money that moved. Every time is RFC 3339 UTC with milliseconds, so text order is time order.
CREATE TABLE order_fact (
    order_id      TEXT PRIMARY KEY,
    placed_at     TEXT,
    confirmed_at  TEXT,
    delivered_at  TEXT,
    cancelled_at  TEXT,
    cancel_reason TEXT
);
CREATE INDEX order_fact_by_placed ON order_fact (placed_at);
CREATE INDEX order_fact_by_confirmed ON order_fact (confirmed_at);
CREATE INDEX order_fact_by_delivered ON order_fact (delivered_at);
CREATE INDEX order_fact_by_cancelled ON order_fact (cancelled_at);

CREATE TABLE order_line (
    order_id TEXT    NOT NULL,
    sku      TEXT    NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (order_id, sku)
);

-- kind: captured or refunded.
CREATE TABLE money_movement (
    payment_id   TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('captured', 'refunded')),
    currency     TEXT    NOT NULL,
    amount_cents INTEGER NOT NULL,
    at           TEXT    NOT NULL,
    PRIMARY KEY (payment_id, kind)
);
CREATE INDEX money_movement_by_time ON money_movement (at);
