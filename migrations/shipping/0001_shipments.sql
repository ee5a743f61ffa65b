-- One shipment per order at most. status: created, dispatched, delivered, cancelled.
CREATE TABLE shipment (
    id               TEXT    PRIMARY KEY,
    order_id         TEXT    NOT NULL UNIQUE,
    customer_id      TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('created', 'dispatched', 'delivered',
                                                        'cancelled')),
    carrier          TEXT    NOT NULL,
    tracking_number  TEXT    NOT NULL UNIQUE,
    cost_cents       INTEGER NOT NULL,
    currency         TEXT    NOT NULL,
    weight_grams     INTEGER NOT NULL,
    shipping_address TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE shipment_history (
    id          INTEGER PRIMARY KEY,
    shipment_id TEXT    NOT NULL REFERENCES shipment (id),
    status      TEXT    NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX history_by_shipment ON shipment_history (shipment_id, id);
