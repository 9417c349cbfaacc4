-- Schema: the alarm inbox pages through every alarm (newest first by the time
-- it was opened, then id) with a cursor instead of an offset, so each page
-- reads one index range whatever its depth. With a state (the inbox always
-- has one) through `alarm_by_state_opened`, otherwise `alarm_by_opened`.
CREATE INDEX alarm_by_state_opened ON alarm (state, first_ms, id);
CREATE INDEX alarm_by_opened ON alarm (first_ms, id);
