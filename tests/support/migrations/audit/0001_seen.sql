CREATE TABLE seen (
    position  INTEGER PRIMARY KEY,  -- handling order
    aggregate TEXT    NOT NULL,
    sequence  INTEGER NOT NULL,
    text      TEXT    NOT NULL
);
