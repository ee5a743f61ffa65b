-- The trace of the order the parcel is for: carrier steps taken by the clock belong to it.
ALTER TABLE shipment ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
