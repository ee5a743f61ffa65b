-- Products and their stock. available + reserved is what is on the shelf; sold has left it.
CREATE TABLE product (
    sku          TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
    currency     TEXT    NOT NULL,
    weight_grams INTEGER NOT NULL CHECK (weight_grams >= 0),
    available    INTEGER NOT NULL CHECK (available >= 0),
    reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    sold         INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

-- Every change of the shelf stock by hand: the initial stock and each adjustment.
CREATE TABLE stock_adjustment (
    id         INTEGER PRIMARY KEY,
    sku        TEXT    NOT NULL REFERENCES product (sku),
    delta      INTEGER NOT NULL,
    adjusted_at TEXT   NOT NULL
);

-- What an order holds. state: reserved (held), committed (sold), released (given back before
-- the sale), restocked (sold, then given back), expired (lapsed by itself), rejected (nothing
-- was held).
CREATE TABLE reservation (
    order_id      TEXT    PRIMARY KEY,
    state         TEXT    NOT NULL CHECK (state IN ('reserved', 'committed', 'released',
                                                    'restocked', 'expired', 'rejected')),
    currency      TEXT    NOT NULL,
    total_cents   INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX reservation_expiry ON reservation (expires_at_ms) WHERE state = 'reserved';

CREATE TABLE reservation_line (
    order_id         TEXT    NOT NULL REFERENCES reservation (order_id),
    sku              TEXT    NOT NULL REFERENCES product (sku),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, sku)
);
