-- Accounts (issue #5): users, login sessions, API tokens. Secrets are stored
-- only as hashes (argon2id PHC strings, SHA-256 hex of tokens). Nothing is
-- deleted: users are retired, sessions ended, tokens revoked.
CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('public', 'enterprise', 'inspector', 'analyst', 'admin')),
    enterprise    TEXT,
    password_hash TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    retired_ms    INTEGER
);

CREATE TABLE user_session (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES app_user (id),
    csrf_token TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    ended_ms   INTEGER
) WITHOUT ROWID;

CREATE INDEX user_session_by_user ON user_session (user_id);

CREATE TABLE api_token (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL CHECK (role IN ('public', 'enterprise', 'inspector', 'analyst', 'admin')),
    enterprise  TEXT,
    created_by  TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
);
