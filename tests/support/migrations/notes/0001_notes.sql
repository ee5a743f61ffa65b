CREATE TABLE notes (
    id        INTEGER PRIMARY KEY,
    aggregate TEXT    NOT NULL,
    sequence  INTEGER NOT NULL,
    text      TEXT    NOT NULL
);
