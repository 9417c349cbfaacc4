-- Schema: the login throttle's failed logins, shared by every process on the
-- store (auth10). Independent of other migrations: a table of its own.
--
-- One row per failed login: the account name as typed (cut to 64
-- characters; it need not exist), the client address, when, and when a
-- successful login of that account cleared it (it then stops counting for
-- the account but still counts for the address). Rows older than the
-- throttle's window are pruned: the failed login itself stays in the audit
-- log (`login_failed`), so no record is lost.
CREATE TABLE login_failure (
    id          INTEGER PRIMARY KEY,
    account     TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    cleared_ms  INTEGER
);
CREATE INDEX login_failure_by_account ON login_failure (account, at_ms);
CREATE INDEX login_failure_by_address ON login_failure (address, at_ms);
CREATE INDEX login_failure_by_time ON login_failure (at_ms);
