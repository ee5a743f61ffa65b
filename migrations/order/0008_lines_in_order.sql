-- An order keeps its lines itself, a JSON array of {"sku", "quantity", "unit_price_cents"} in
-- the order of the request: placing writes one row instead of one and a row per line, and the
-- reservation's prices are set by the update that step makes anyway.
ALTER TABLE customer_order ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';

UPDATE customer_order SET lines = coalesce((
    SELECT json_group_array(json(line)) FROM (
        SELECT json_object('sku', l.sku, 'quantity', l.quantity,
                           'unit_price_cents', l.unit_price_cents) AS line
        FROM order_line AS l WHERE l.order_id = customer_order.id ORDER BY l.line_no)), '[]');

DROP TABLE order_line;
