-- An order keeps its timeline itself, a JSON object per line ({"at", "event", "detail",
-- "actor"}), appended by the update each step makes anyway: a step writes one row instead of
-- that one and a row per entry.
ALTER TABLE customer_order ADD COLUMN timeline TEXT NOT NULL DEFAULT '';

UPDATE customer_order SET timeline = coalesce((
    SELECT group_concat(line, '') FROM (
        SELECT json_object('at', t.at, 'event', t.event, 'detail', t.detail,
                           'actor', nullif(t.actor, '')) || char(10) AS line
        FROM order_timeline AS t WHERE t.order_id = customer_order.id ORDER BY t.id)), '');

DROP TABLE order_timeline;
