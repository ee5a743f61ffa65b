-- One payment per order at most: the order id is the capture's idempotency key.
-- status: pending (the provider has not answered), captured, declined, refunded, voided (a
-- pending capture given up on).
CREATE TABLE payment (
    id             TEXT    PRIMARY KEY,
    order_id       TEXT    NOT NULL UNIQUE,
    customer_id    TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'captured', 'declined',
                                                      'refunded', 'voided')),
    amount_cents   INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency       TEXT    NOT NULL,
    decline_reason TEXT,
    refund_reason  TEXT,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
