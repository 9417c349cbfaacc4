-- Plan indicators (issue #3): entered values, city-assigned targets and
-- their evidence documents. Append-only: a correction is a new version.

CREATE TABLE plan_document (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT    NOT NULL,
    media_type  TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    n_bytes     INTEGER NOT NULL,
    bytes       BLOB    NOT NULL,
    stored_ms   INTEGER NOT NULL,
    actor       TEXT    NOT NULL
);

CREATE TABLE plan_value (
    plan        TEXT    NOT NULL,
    indicator   TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    value       REAL    NOT NULL,
    note        TEXT    NOT NULL,
    document_id INTEGER REFERENCES plan_document (id),
    actor       TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (plan, indicator, year, version)
) WITHOUT ROWID;

CREATE TABLE plan_city_target (
    plan        TEXT    NOT NULL,
    indicator   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    value       REAL    NOT NULL,
    note        TEXT    NOT NULL,
    document_id INTEGER NOT NULL REFERENCES plan_document (id),
    actor       TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (plan, indicator, version)
) WITHOUT ROWID;

CREATE TRIGGER plan_document_no_update BEFORE UPDATE ON plan_document
BEGIN
    SELECT RAISE(ABORT, 'plan_document is append-only evidence');
END;
CREATE TRIGGER plan_document_no_delete BEFORE DELETE ON plan_document
BEGIN
    SELECT RAISE(ABORT, 'plan_document is append-only evidence');
END;
CREATE TRIGGER plan_value_no_update BEFORE UPDATE ON plan_value
BEGIN
    SELECT RAISE(ABORT, 'plan_value keeps its history: add a version');
END;
CREATE TRIGGER plan_value_no_delete BEFORE DELETE ON plan_value
BEGIN
    SELECT RAISE(ABORT, 'plan_value keeps its history: add a version');
END;
CREATE TRIGGER plan_city_target_no_update BEFORE UPDATE ON plan_city_target
BEGIN
    SELECT RAISE(ABORT, 'plan_city_target keeps its history: add a version');
END;
CREATE TRIGGER plan_city_target_no_delete BEFORE DELETE ON plan_city_target
BEGIN
    SELECT RAISE(ABORT, 'plan_city_target keeps its history: add a version');
END;
