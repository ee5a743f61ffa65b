-- The shipments in one status longest, for the carrier steps taken by the clock.
CREATE INDEX shipment_by_status ON shipment (status, updated_at);
