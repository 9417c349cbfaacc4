-- The latest value of every point in one row per data kind and point (issue #5:
-- "the latest value of every point" under 50 ms for 10,000 points). The values of
-- all of a point's parameters are one blob (layout in sqlite/latest.rs), keyed by
-- (kind, point_id), so one range scan of the key returns every point of a kind in
-- point order. The program's data step (latest::backfill, run in this migration's
-- transaction because of the marker below) moves the rows of latest_reading into
-- it and drops latest_reading.
-- qingshan:data-step=latest_point
CREATE TABLE latest_point (
    kind     INTEGER NOT NULL,
    point_id INTEGER NOT NULL REFERENCES point (id),
    vals     BLOB    NOT NULL,
    PRIMARY KEY (kind, point_id)
) WITHOUT ROWID;
