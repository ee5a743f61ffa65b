-- Every mutating call that reached its route, with who made it: newest last. Rows older than
-- auth.audit_retention_days are pruned.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms   INTEGER NOT NULL,  -- business time (the shop clock)
    actor   TEXT    NOT NULL,  -- "key ops-1 (operator)", "jwt customer-7 (customer)", "open", ...
    role    TEXT    NOT NULL,
    method  TEXT    NOT NULL,
    route   TEXT    NOT NULL,  -- the route's pattern: /api/orders/{id}/cancel
    target  TEXT    NOT NULL,  -- the path called, without its query
    status  INTEGER NOT NULL
);
CREATE INDEX audit_by_time ON audit (at_ms);
