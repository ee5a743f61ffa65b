-- A reservation keeps its lines itself, as a JSON array of {"sku", "quantity",
-- "unit_price_cents", "weight_grams"}: reserving writes one row instead of one and a row per
-- line. A product is never deleted, so a line's SKU stays valid without the foreign key.
ALTER TABLE reservation ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';

UPDATE reservation SET lines = coalesce((
    SELECT json_group_array(json_object('sku', l.sku, 'quantity', l.quantity,
                                        'unit_price_cents', l.unit_price_cents,
                                        'weight_grams', 0))
    FROM reservation_line AS l WHERE l.order_id = reservation.order_id), '[]');

DROP TABLE reservation_line;
