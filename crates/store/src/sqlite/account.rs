//! [`AccountStore`] for [`SqliteStore`]: tables `app_user`, `user_session` and
//! `api_token` (migration 0008). Every change goes through `write_audited`.

use model::Instant;
use model::account::{User, UserId, UserName};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{collect, column, database_error, instant_column, millis};
use crate::account_sync;
use crate::rows::{TOKEN_COLUMNS, USER_COLUMNS, decode_token, decode_user};
use crate::{
    AccountStore, ApiToken, ChangedBy, Error, NewApiToken, NewSession, NewUser, Result, Session,
    SqliteStore, UserRecord,
};

fn user_in(tx: &Transaction<'_>, user: UserId) -> Result<UserRecord> {
    const DURING: &str = "reading a user";
    let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = ?1");
    let mut statement = tx.prepare_cached(&sql).map_err(database_error(DURING))?;
    let rows = statement.query(params![user.0]).map_err(database_error(DURING))?;
    collect(rows, DURING, |row| decode_user(row))?
        .pop()
        .ok_or_else(|| Error::NotFound { entity: "user", id: user.0.to_string() })
}

/// Ends every live session of `user` at `at`.
fn end_sessions_of(tx: &Transaction<'_>, user: UserId, at: Instant) -> Result<u64> {
    tx.execute(
        "UPDATE user_session SET ended_ms = ?2 WHERE user_id = ?1 AND ended_ms IS NULL",
        params![user.0, millis(at)],
    )
    .map(|n| n as u64)
    .map_err(database_error("ending sessions"))
}

impl AccountStore for SqliteStore {
    fn create_user(&self, user: &NewUser, by: &ChangedBy) -> Result<UserId> {
        self.write_audited("creating a user", |tx, audit| {
            let taken: Option<i64> = tx
                .query_row(
                    "SELECT id FROM app_user WHERE name = ?1",
                    params![user.name.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(database_error("checking a user name"))?;
            if taken.is_some() {
                return Err(Error::AlreadyExists { entity: "user", id: user.name.to_string() });
            }
            tx.execute(
                "INSERT INTO app_user (name, role, enterprise, password_hash, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    user.name.as_str(),
                    user.role.as_str(),
                    user.enterprise,
                    user.password_hash,
                    millis(by.at)
                ],
            )
            .map_err(database_error("creating a user"))?;
            let id = UserId(tx.last_insert_rowid());
            audit.push(account_sync::user_created(by, user));
            Ok(id)
        })
    }

    fn user_by_name(&self, name: &UserName) -> Result<Option<UserRecord>> {
        const DURING: &str = "reading a user";
        self.read(|conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE name = ?1");
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let rows = statement.query(params![name.as_str()]).map_err(database_error(DURING))?;
            Ok(collect(rows, DURING, |row| decode_user(row))?.pop())
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        const DURING: &str = "listing users";
        self.read(|conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY name");
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let rows = statement.query([]).map_err(database_error(DURING))?;
            Ok(collect(rows, DURING, |row| decode_user(row))?
                .into_iter()
                .map(|record| record.user)
                .collect())
        })
    }

    fn set_password(&self, user: UserId, password_hash: &str, by: &ChangedBy) -> Result<()> {
        self.write_audited("setting a password", |tx, audit| {
            let record = user_in(tx, user)?;
            tx.execute(
                "UPDATE app_user SET password_hash = ?2 WHERE id = ?1",
                params![user.0, password_hash],
            )
            .map_err(database_error("setting a password"))?;
            let n_ended = end_sessions_of(tx, user, by.at)?;
            audit.push(account_sync::password_set(by, &record.user.name, n_ended));
            Ok(())
        })
    }

    fn retire_user(&self, user: UserId, by: &ChangedBy) -> Result<()> {
        self.write_audited("retiring a user", |tx, audit| {
            let record = user_in(tx, user)?;
            if record.user.retired {
                return Ok(());
            }
            tx.execute(
                "UPDATE app_user SET retired_ms = ?2 WHERE id = ?1",
                params![user.0, millis(by.at)],
            )
            .map_err(database_error("retiring a user"))?;
            let n_ended = end_sessions_of(tx, user, by.at)?;
            audit.push(account_sync::user_retired(by, &record.user, n_ended));
            Ok(())
        })
    }

    fn start_session(&self, session: &NewSession) -> Result<()> {
        self.write_audited("starting a session", |tx, audit| {
            let record = user_in(tx, session.user)?;
            tx.execute(
                "INSERT INTO user_session (token_hash, user_id, csrf_token, created_ms, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    session.token_hash,
                    session.user.0,
                    session.csrf_token,
                    millis(session.created_at),
                    millis(session.expires_at)
                ],
            )
            .map_err(database_error("starting a session"))?;
            audit.push(account_sync::login(session, &record.user.name));
            Ok(())
        })
    }

    fn session(&self, token_hash: &str, now: Instant) -> Result<Option<Session>> {
        const DURING: &str = "reading a session";
        self.read(|conn| {
            let sql = "SELECT u.id, u.name, u.role, u.enterprise, u.retired_ms, u.password_hash,
                              u.created_ms, s.csrf_token, s.expires_ms
                       FROM user_session s JOIN app_user u ON u.id = s.user_id
                       WHERE s.token_hash = ?1 AND s.ended_ms IS NULL AND s.expires_ms > ?2
                         AND u.retired_ms IS NULL";
            let mut statement = conn.prepare_cached(sql).map_err(database_error(DURING))?;
            let rows = statement
                .query(params![token_hash, millis(now)])
                .map_err(database_error(DURING))?;
            let sessions = collect(rows, DURING, |row| {
                Ok(Session {
                    user: decode_user(row)?.user,
                    csrf_token: column(row, 7, "user_session", "csrf_token")?,
                    expires_at: instant_column(row, 8, "user_session", "expires_ms")?,
                })
            })?;
            Ok(sessions.into_iter().next())
        })
    }

    fn end_session(&self, token_hash: &str, at: Instant) -> Result<()> {
        self.write_audited("ending a session", |tx, audit| {
            let user: Option<String> = tx
                .query_row(
                    "SELECT u.name FROM user_session s JOIN app_user u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.ended_ms IS NULL",
                    params![token_hash],
                    |row| row.get(0),
                )
                .optional()
                .map_err(database_error("reading a session"))?;
            let Some(user) = user else { return Ok(()) };
            tx.execute(
                "UPDATE user_session SET ended_ms = ?2 WHERE token_hash = ?1",
                params![token_hash, millis(at)],
            )
            .map_err(database_error("ending a session"))?;
            audit.push(account_sync::logout(at, &user));
            Ok(())
        })
    }

    fn create_api_token(&self, token: &NewApiToken, by: &ChangedBy) -> Result<i64> {
        self.write_audited("creating an API token", |tx, audit| {
            tx.execute(
                "INSERT INTO api_token (name, token_hash, role, enterprise, created_by, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    token.name,
                    token.token_hash,
                    token.role.as_str(),
                    token.enterprise,
                    by.actor,
                    millis(by.at)
                ],
            )
            .map_err(database_error("creating an API token"))?;
            let id = tx.last_insert_rowid();
            audit.push(account_sync::token_created(by, id, token));
            Ok(id)
        })
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        const DURING: &str = "reading an API token";
        self.read(|conn| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = ?1 AND revoked_ms IS NULL"
            );
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let rows = statement.query(params![token_hash]).map_err(database_error(DURING))?;
            Ok(collect(rows, DURING, |row| decode_token(row))?.pop())
        })
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        const DURING: &str = "listing API tokens";
        self.read(|conn| {
            let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token ORDER BY id");
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let rows = statement.query([]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_token(row))
        })
    }

    fn revoke_api_token(&self, id: i64, by: &ChangedBy) -> Result<()> {
        self.write_audited("revoking an API token", |tx, audit| {
            let n = tx
                .execute(
                    "UPDATE api_token SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                    params![id, millis(by.at)],
                )
                .map_err(database_error("revoking an API token"))?;
            if n == 0 {
                let exists: Option<i64> = tx
                    .query_row("SELECT id FROM api_token WHERE id = ?1", params![id], |row| {
                        row.get(0)
                    })
                    .optional()
                    .map_err(database_error("reading an API token"))?;
                if exists.is_none() {
                    return Err(Error::NotFound { entity: "API token", id: id.to_string() });
                }
                return Ok(());
            }
            audit.push(account_sync::token_revoked(by, id));
            Ok(())
        })
    }
}
