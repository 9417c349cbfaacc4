-- Qingshan schema, version 1: registry, raw archive, measurements, audit log.
--
-- Conventions:
-- * instants are integer UTC milliseconds since the Unix epoch (`*_ms`);
-- * booleans are 0 or 1;
-- * JSON is stored as text;
-- * raw_packet and audit are append-only evidence: triggers refuse UPDATE and DELETE.

-- Monitoring points (监测点位), unique by code.
CREATE TABLE point (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    enterprise TEXT,
    simulated  INTEGER NOT NULL
);

-- Field devices, unique by MN.
CREATE TABLE device (
    id            INTEGER PRIMARY KEY,
    mn            TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    protocol      TEXT    NOT NULL,
    point_id      INTEGER NOT NULL REFERENCES point (id),
    leniency      TEXT    NOT NULL,
    simulated     INTEGER NOT NULL,
    -- Monotonic: never moved backwards.
    last_seen_ms  INTEGER,
    last_peer     TEXT,
    -- The newest data time received from the device (monotonic).
    last_data_ms  INTEGER
);

-- Interned parameter codes, so measurement rows carry a small integer.
CREATE TABLE param (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE
);

-- Every received packet, byte-exact, whatever its verdict. The id is the archive id.
CREATE TABLE raw_packet (
    id          INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    peer        TEXT    NOT NULL,
    mn          TEXT,
    device_id   INTEGER REFERENCES device (id),
    cn          INTEGER,
    verdict     TEXT    NOT NULL,
    reason      TEXT,
    deviations  TEXT    NOT NULL,
    bytes       BLOB    NOT NULL
);
CREATE INDEX raw_packet_by_mn ON raw_packet (mn);
CREATE INDEX raw_packet_by_verdict ON raw_packet (verdict);

CREATE TRIGGER raw_packet_no_update BEFORE UPDATE ON raw_packet
BEGIN
    SELECT RAISE(ABORT, 'raw_packet is append-only evidence');
END;
CREATE TRIGGER raw_packet_no_delete BEFORE DELETE ON raw_packet
BEGIN
    SELECT RAISE(ABORT, 'raw_packet is append-only evidence');
END;

-- Measurements, one row per ReadingKey (point, param, kind, data time).
-- kind: 0 realtime, 1 minute, 2 hour, 3 day.
-- The primary key puts data time before the parameter: the range query "one point
-- and kind, a time window" is one contiguous scan already in output order, and the
-- readings of one packet (same point, kind and data time) land on the same page,
-- so a commit dirties about one page per point instead of one per parameter series.
-- raw_id links each reading to the packet it was first received in (evidence).
CREATE TABLE reading (
    point_id    INTEGER NOT NULL REFERENCES point (id),
    kind        INTEGER NOT NULL,
    data_ms     INTEGER NOT NULL,
    param_id    INTEGER NOT NULL,
    raw_id      INTEGER NOT NULL,
    rtd         REAL,
    min         REAL,
    avg         REAL,
    max         REAL,
    zs_rtd      REAL,
    zs_min      REAL,
    zs_avg      REAL,
    zs_max      REAL,
    cou         REAL,
    flag        TEXT,
    eflag       TEXT,
    sample_time TEXT,
    PRIMARY KEY (point_id, kind, data_ms, param_id)
) WITHOUT ROWID;

-- The newest data time of each point, kind and parameter: the dashboard's
-- "current values" without scanning histories. Maintained by the batch commit.
CREATE TABLE latest_reading (
    point_id INTEGER NOT NULL,
    kind     INTEGER NOT NULL,
    param_id INTEGER NOT NULL,
    data_ms  INTEGER NOT NULL,
    PRIMARY KEY (point_id, kind, param_id)
) WITHOUT ROWID;

-- Who did what to which thing.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
CREATE INDEX audit_by_time ON audit (at_ms);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only evidence');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only evidence');
END;
