-- provider_reference: the provider's name for the charge, which a refund names.
-- settles_at_ms: when the provider answers a pending capture (unix ms, shop clock); NULL when
-- it answers no more by itself.
-- status refund_failed: captured, and the provider refused the refund.
CREATE TABLE payment_next (
    id                 TEXT    PRIMARY KEY,
    order_id           TEXT    NOT NULL UNIQUE,
    customer_id        TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'captured', 'declined',
                                                          'refunded', 'voided',
                                                          'refund_failed')),
    amount_cents       INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency           TEXT    NOT NULL,
    decline_reason     TEXT,
    refund_reason      TEXT,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    provider_reference TEXT    NOT NULL DEFAULT '',
    settles_at_ms      INTEGER
);
INSERT INTO payment_next (id, order_id, customer_id, status, amount_cents, currency,
                          decline_reason, refund_reason, created_at, updated_at,
                          provider_reference)
    SELECT id, order_id, customer_id, status, amount_cents, currency, decline_reason,
           refund_reason, created_at, updated_at, 'sim_' || order_id
    FROM payment;
DROP TABLE payment;
ALTER TABLE payment_next RENAME TO payment;
CREATE INDEX payment_settling ON payment (settles_at_ms) WHERE settles_at_ms IS NOT NULL;
