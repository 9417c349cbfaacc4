-- Qingshan schema, version 3: derived results (the standards engine's output).

-- Find the hour readings that packets after a watermark brought (the
-- evaluator's scan). Partial: only hour readings (kind 2) pay for the index,
-- so minute and realtime ingestion, the bulk of the volume, does not.
CREATE INDEX reading_by_raw ON reading (raw_id) WHERE kind = 2;

-- How far each consumer of the raw archive has got: the highest raw_packet.id
-- whose readings it has processed. Advanced in the same transaction as its results.
CREATE TABLE watermark (
    name   TEXT    PRIMARY KEY,
    raw_id INTEGER NOT NULL
) WITHOUT ROWID;

-- One derived result per (kind, point, period); a recomputation replaces it.
-- kind: air_hourly, air_daily, water_daily, water_monthly.
-- start_ms is the UTC start of the period (a Beijing hour, day or month);
-- period is its Beijing label (2026-03-02T08:00, 2026-03-02, 2026-03).
-- detail is the result as JSON in the standard's vocabulary.
CREATE TABLE derived_result (
    kind        TEXT    NOT NULL,
    point_id    INTEGER NOT NULL REFERENCES point (id),
    start_ms    INTEGER NOT NULL,
    period      TEXT    NOT NULL,
    edition     TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    computed_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, point_id, start_ms)
) WITHOUT ROWID;
CREATE INDEX derived_result_by_period ON derived_result (kind, start_ms);

-- Permit limits of source outlets, one per point and parameter (HJ 212 code).
-- limit_json is the standards crate's PermitLimit as JSON (bound, unit, averaging, conversion).
CREATE TABLE point_limit (
    point_id   INTEGER NOT NULL REFERENCES point (id),
    param      TEXT    NOT NULL,
    limit_json TEXT    NOT NULL,
    PRIMARY KEY (point_id, param)
) WITHOUT ROWID;
