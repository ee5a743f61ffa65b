-- A shipment keeps its history itself, a JSON object per line ({"status", "at"}), appended by
-- the update each status change makes anyway instead of a row of its own.
ALTER TABLE shipment ADD COLUMN history TEXT NOT NULL DEFAULT '';

UPDATE shipment SET history = coalesce((
    SELECT group_concat(line, '') FROM (
        SELECT json_object('status', h.status, 'at', h.at) || char(10) AS line
        FROM shipment_history AS h WHERE h.shipment_id = shipment.id ORDER BY h.id)), '');

DROP TABLE shipment_history;
