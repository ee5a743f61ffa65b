-- What the order module knows of the catalog: filled from inventory's ProductPriced events, so
-- an order can be checked (known products, one currency) while it is placed.
CREATE TABLE catalog (
    sku         TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    price_cents INTEGER NOT NULL,
    currency    TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- One row per order: its status for the customer and the saga's state. step is the saga step
-- waiting for an answer (reserving, paying, shipping) or settled; deadline_ms is when that
-- step times out. The *_requested flags say which compensations a cancellation owes.
CREATE TABLE customer_order (
    id                 TEXT    PRIMARY KEY,
    customer_id        TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'confirmed', 'shipped',
                                                          'delivered', 'cancelled')),
    cancel_reason      TEXT,
    step               TEXT    NOT NULL CHECK (step IN ('reserving', 'paying', 'shipping',
                                                        'settled')),
    deadline_ms        INTEGER,
    currency           TEXT    NOT NULL,
    total_cents        INTEGER NOT NULL,
    weight_grams       INTEGER NOT NULL DEFAULT 0,
    payment_token      TEXT    NOT NULL,
    shipping_address   TEXT    NOT NULL,
    payment_id         TEXT,
    shipment_id        TEXT,
    tracking_number    TEXT,
    stock_requested    INTEGER NOT NULL DEFAULT 0,
    payment_requested  INTEGER NOT NULL DEFAULT 0,
    shipment_requested INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX order_by_customer ON customer_order (customer_id, id);
CREATE INDEX order_by_status ON customer_order (status, id);
CREATE INDEX order_deadline ON customer_order (deadline_ms) WHERE deadline_ms IS NOT NULL;

CREATE TABLE order_line (
    order_id         TEXT    NOT NULL REFERENCES customer_order (id),
    line_no          INTEGER NOT NULL,
    sku              TEXT    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Every transition and every message of an order, in the order they happened.
CREATE TABLE order_timeline (
    id       INTEGER PRIMARY KEY,
    order_id TEXT    NOT NULL REFERENCES customer_order (id),
    at       TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX timeline_by_order ON order_timeline (order_id, id);
