-- Qingshan PostgreSQL schema, version 5: the mirror of SQLite
-- 0012_alarm_paging. The alarm inbox pages through every alarm (newest first
-- by the time it was opened, then id) with a cursor instead of an offset, so
-- each page reads one index range whatever its depth.
CREATE INDEX alarm_by_state_opened ON alarm (state, first_ms, id);
CREATE INDEX alarm_by_opened ON alarm (first_ms, id);
