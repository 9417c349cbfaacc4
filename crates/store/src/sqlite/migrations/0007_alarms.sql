-- Qingshan schema: alarms (detection findings, lifecycle, history, notification outbox).

-- One alarm per episode of a rule at a point for one pollutant ('' when the
-- rule is about the whole point). At most one active (open or acknowledged)
-- alarm per (point, rule, pollutant): a repeated finding adds an occurrence.
-- Windows and times are UTC milliseconds. Rows are never deleted: closing
-- retires them, and a finding that no longer holds after late data sets
-- still_holds = 0.
CREATE TABLE alarm (
    id               INTEGER PRIMARY KEY,
    point_id         INTEGER NOT NULL REFERENCES point (id),
    rule             TEXT    NOT NULL,
    pollutant        TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('open', 'acknowledged', 'closed')),
    severity         TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    first_ms         INTEGER NOT NULL,
    last_ms          INTEGER NOT NULL,
    window_from_ms   INTEGER NOT NULL,
    window_to_ms     INTEGER NOT NULL,
    n_occurrences    INTEGER NOT NULL,
    evidence         TEXT    NOT NULL,
    still_holds      INTEGER NOT NULL DEFAULT 1,
    assignee         TEXT,
    escalated_ms     INTEGER,
    acknowledged_by  TEXT,
    acknowledged_ms  INTEGER,
    closed_by        TEXT,
    closed_ms        INTEGER,
    close_note       TEXT,
    attachment_name  TEXT,
    attachment_type  TEXT,
    attachment       BLOB,
    attachment_sha256 TEXT
);
CREATE UNIQUE INDEX alarm_one_active ON alarm (point_id, rule, pollutant)
    WHERE state IN ('open', 'acknowledged');
CREATE INDEX alarm_by_state ON alarm (state, id);
CREATE INDEX alarm_by_key ON alarm (point_id, rule, pollutant);

-- The full history of each alarm, oldest first.
CREATE TABLE alarm_event (
    id       INTEGER PRIMARY KEY,
    alarm_id INTEGER NOT NULL REFERENCES alarm (id),
    at_ms    INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    -- The occurrence window start, for opened / occurred / re_evaluated.
    window_ms INTEGER,
    detail   TEXT    NOT NULL
);
CREATE INDEX alarm_event_by_alarm ON alarm_event (alarm_id, id);
CREATE INDEX alarm_event_by_window ON alarm_event (alarm_id, window_ms) WHERE window_ms IS NOT NULL;

-- Notifications to send, written in the same transaction as the alarm change
-- they announce. status: pending, delivered, dead (the dead-letter record).
CREATE TABLE notification (
    id            INTEGER PRIMARY KEY,
    alarm_id      INTEGER NOT NULL REFERENCES alarm (id),
    channel       TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    last_error    TEXT,
    delivered_ms  INTEGER
);
CREATE INDEX notification_due ON notification (next_attempt_ms) WHERE status = 'pending';
