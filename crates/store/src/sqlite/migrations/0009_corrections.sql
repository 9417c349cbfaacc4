-- Corrections of readings as versions (issue #4).
--
-- The reading as received stays in `reading` (version 1); each correction adds
-- the next version of the same reading identity with the full corrected values,
-- who, when and why. The newest version is the current one. Append-only.
-- arrival_raw_id places the correction in the raw archive's order: one past the
-- newest packet archived when it was made, where the next packet goes, so the
-- watermark scans of evaluation and alarms see it with that packet, like late data.
CREATE TABLE reading_correction (
    id           INTEGER PRIMARY KEY,
    point_id     INTEGER NOT NULL REFERENCES point (id),
    kind         INTEGER NOT NULL,
    data_ms      INTEGER NOT NULL,
    param_id     INTEGER NOT NULL REFERENCES param (id),
    version      INTEGER NOT NULL CHECK (version >= 2),
    rtd          REAL,
    min          REAL,
    avg          REAL,
    max          REAL,
    zs_rtd       REAL,
    zs_min       REAL,
    zs_avg       REAL,
    zs_max       REAL,
    cou          REAL,
    flag         TEXT,
    eflag        TEXT,
    sample_time  TEXT,
    actor        TEXT    NOT NULL,
    at_ms        INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    arrival_raw_id INTEGER NOT NULL,
    UNIQUE (point_id, kind, data_ms, param_id, version)
);
CREATE INDEX reading_correction_by_raw ON reading_correction (arrival_raw_id);

CREATE TRIGGER reading_correction_no_update BEFORE UPDATE ON reading_correction
BEGIN
    SELECT RAISE(ABORT, 'reading_correction is append-only: add a version');
END;
CREATE TRIGGER reading_correction_no_delete BEFORE DELETE ON reading_correction
BEGIN
    SELECT RAISE(ABORT, 'reading_correction is append-only: add a version');
END;
