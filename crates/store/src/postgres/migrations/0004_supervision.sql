-- Qingshan PostgreSQL schema, version 4: grid supervision and multi-level
-- escalation (issue #4), the mirror of SQLite 0011_supervision.
--
-- One grid cell per registry town (its code is the key): the grid's name and
-- its inspectors' logins as a JSON array, in order of duty (primary, deputy,
-- …). Cells are retired, never deleted. A registry table: under Citus, a
-- reference table.
CREATE TABLE grid_cell (
    town        TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    inspectors  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('active', 'retired')),
    sample      BOOLEAN NOT NULL DEFAULT false,
    updated_ms  BIGINT  NOT NULL
);
CREATE TRIGGER grid_cell_no_delete BEFORE DELETE ON grid_cell
    FOR EACH ROW EXECUTE FUNCTION qingshan_refuse_delete();
CREATE TRIGGER grid_cell_no_truncate BEFORE TRUNCATE ON grid_cell
    FOR EACH STATEMENT EXECUTE FUNCTION qingshan_refuse_delete();

-- The highest escalation level an alarm reached (0: none). Alarms escalated
-- by the single-level escalation before this migration are at level 1.
ALTER TABLE alarm ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
UPDATE alarm SET escalation_level = 1 WHERE escalated_ms IS NOT NULL;

-- Which minute readings packets after a watermark brought, so re-sent history
-- re-evaluates every Beijing day it covers (like `reading_by_raw` for hours).
CREATE INDEX reading_by_raw_minute ON reading (raw_id) WHERE kind = 1;
