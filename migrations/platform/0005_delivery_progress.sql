-- How far each subscribing module hosted with this publisher has come through the outbox: every
-- message up to delivered_through is settled for it, that is handled by it or written to
-- outbox_delivery. So a delivery that succeeds the first time costs the publisher no row of
-- its own; outbox_delivery keeps only the deliveries that failed, or that wait behind one of
-- their aggregate, and rows an earlier shopd wrote for every delivery.
-- The figure may trail the deliveries: after a crash the messages past it are delivered again,
-- and the subscriber's inbox recognises those it handled.
CREATE TABLE outbox_progress (
    subscriber        TEXT    NOT NULL PRIMARY KEY,
    delivered_through INTEGER NOT NULL
) WITHOUT ROWID;
