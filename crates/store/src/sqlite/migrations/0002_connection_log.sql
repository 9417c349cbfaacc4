-- Qingshan schema, version 2: the device connection log.

-- What happened on device connections: connect, login, refusal, close.
CREATE TABLE connection_event (
    id     INTEGER PRIMARY KEY,
    at_ms  INTEGER NOT NULL,
    peer   TEXT    NOT NULL,
    mn     TEXT,
    event  TEXT    NOT NULL,
    detail TEXT    NOT NULL
);
CREATE INDEX connection_event_by_time ON connection_event (at_ms);
CREATE INDEX connection_event_by_mn ON connection_event (mn, at_ms);
