-- API keys: the key itself is never stored, only its SHA-256 (a key is 32 random bytes, so a
-- fast hash is enough). A revoked key keeps its row, so the shop remembers it had keys.
CREATE TABLE api_key (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'kiosk', 'customer')),
    key_sha256   TEXT    NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER,
    last_used_ms INTEGER,
    revoked_ms   INTEGER
);
CREATE UNIQUE INDEX api_key_live_name ON api_key (name) WHERE revoked_ms IS NULL;
