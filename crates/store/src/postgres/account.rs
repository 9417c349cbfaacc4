//! [`AccountStore`] for [`PgStore`]: tables `app_user`, `user_session` and
//! `api_token` (migration 0002). Every change goes through `write_audited`.

use ::postgres::Transaction;
use model::Instant;
use model::account::{User, UserId, UserName};

use super::{database_error, select, select_opt};
use crate::account_sync;
use crate::encoding::millis;
use crate::rows::{StoredRow, TOKEN_COLUMNS, USER_COLUMNS, decode_token, decode_user};
use crate::{
    AccountStore, ApiToken, ChangedBy, Error, NewApiToken, NewSession, NewUser, PgStore, Result,
    Session, UserRecord,
};

fn user_in(tx: &mut Transaction<'_>, user: UserId) -> Result<UserRecord> {
    let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1 FOR UPDATE");
    select_opt(tx, "reading a user", &sql, &[&user.0], decode_user)?
        .ok_or_else(|| Error::NotFound { entity: "user", id: user.0.to_string() })
}

/// Ends every live session of `user` at `at`; returns how many.
fn end_sessions_of(tx: &mut Transaction<'_>, user: UserId, at: Instant) -> Result<u64> {
    tx.execute(
        "UPDATE user_session SET ended_ms = $2 WHERE user_id = $1 AND ended_ms IS NULL",
        &[&user.0, &millis(at)],
    )
    .map_err(database_error("ending sessions"))
}

impl AccountStore for PgStore {
    fn create_user(&self, user: &NewUser, by: &ChangedBy) -> Result<UserId> {
        self.write_audited("creating a user", |tx, audit| {
            // ON CONFLICT: a name taken by another process since is refused, not an error of ours.
            let row = tx
                .query_opt(
                    "INSERT INTO app_user (name, role, enterprise, password_hash, created_ms)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id",
                    &[
                        &user.name.as_str(),
                        &user.role.as_str(),
                        &user.enterprise,
                        &user.password_hash,
                        &millis(by.at),
                    ],
                )
                .map_err(database_error("creating a user"))?;
            let Some(row) = row else {
                return Err(Error::AlreadyExists { entity: "user", id: user.name.to_string() });
            };
            let id = UserId(row.required_int(0, "app_user", "id")?);
            audit.push(account_sync::user_created(by, user));
            Ok(id)
        })
    }

    fn user_by_name(&self, name: &UserName) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE name = $1");
        self.read(|client| {
            select_opt(client, "reading a user", &sql, &[&name.as_str()], decode_user)
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY name");
        let records =
            self.read(|client| select(client, "listing users", &sql, &[], decode_user))?;
        Ok(records.into_iter().map(|record| record.user).collect())
    }

    fn set_password(&self, user: UserId, password_hash: &str, by: &ChangedBy) -> Result<()> {
        self.write_audited("setting a password", |tx, audit| {
            let record = user_in(tx, user)?;
            tx.execute(
                "UPDATE app_user SET password_hash = $2 WHERE id = $1",
                &[&user.0, &password_hash],
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
                "UPDATE app_user SET retired_ms = $2 WHERE id = $1",
                &[&user.0, &millis(by.at)],
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
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &session.token_hash,
                    &session.user.0,
                    &session.csrf_token,
                    &millis(session.created_at),
                    &millis(session.expires_at),
                ],
            )
            .map_err(database_error("starting a session"))?;
            audit.push(account_sync::login(session, &record.user.name));
            Ok(())
        })
    }

    fn session(&self, token_hash: &str, now: Instant) -> Result<Option<Session>> {
        const SQL: &str =
            "SELECT u.id, u.name, u.role, u.enterprise, u.retired_ms, u.password_hash,
                                  u.created_ms, s.csrf_token, s.expires_ms
                           FROM user_session s JOIN app_user u ON u.id = s.user_id
                           WHERE s.token_hash = $1 AND s.ended_ms IS NULL AND s.expires_ms > $2
                             AND u.retired_ms IS NULL";
        self.read(|client| {
            select_opt(client, "reading a session", SQL, &[&token_hash, &millis(now)], |row| {
                Ok(Session {
                    user: decode_user(row)?.user,
                    csrf_token: row.required_text(7, "user_session", "csrf_token")?,
                    expires_at: row.instant(8, "user_session", "expires_ms")?,
                })
            })
        })
    }

    fn end_session(&self, token_hash: &str, at: Instant) -> Result<()> {
        self.write_audited("ending a session", |tx, audit| {
            let user = select_opt(
                tx,
                "ending a session",
                "UPDATE user_session s SET ended_ms = $2 FROM app_user u
                 WHERE s.token_hash = $1 AND s.ended_ms IS NULL AND u.id = s.user_id
                 RETURNING u.name",
                &[&token_hash, &millis(at)],
                |row| row.required_text(0, "app_user", "name"),
            )?;
            let Some(user) = user else { return Ok(()) };
            audit.push(account_sync::logout(at, &user));
            Ok(())
        })
    }

    fn create_api_token(&self, token: &NewApiToken, by: &ChangedBy) -> Result<i64> {
        self.write_audited("creating an API token", |tx, audit| {
            let row = tx
                .query_one(
                    "INSERT INTO api_token (name, token_hash, role, enterprise, created_by, created_ms)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &token.name,
                        &token.token_hash,
                        &token.role.as_str(),
                        &token.enterprise,
                        &by.actor,
                        &millis(by.at),
                    ],
                )
                .map_err(database_error("creating an API token"))?;
            let id = row.required_int(0, "api_token", "id")?;
            audit.push(account_sync::token_created(by, id, token));
            Ok(id)
        })
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = $1 AND revoked_ms IS NULL"
        );
        self.read(|client| {
            select_opt(client, "reading an API token", &sql, &[&token_hash], decode_token)
        })
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token ORDER BY id");
        self.read(|client| select(client, "listing API tokens", &sql, &[], decode_token))
    }

    fn revoke_api_token(&self, id: i64, by: &ChangedBy) -> Result<()> {
        self.write_audited("revoking an API token", |tx, audit| {
            let n = tx
                .execute(
                    "UPDATE api_token SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL",
                    &[&id, &millis(by.at)],
                )
                .map_err(database_error("revoking an API token"))?;
            if n == 0 {
                let exists = tx
                    .query_opt("SELECT id FROM api_token WHERE id = $1", &[&id])
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
