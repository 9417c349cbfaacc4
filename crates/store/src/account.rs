//! Accounts: users, login sessions and API tokens ([`AccountStore`]).
//!
//! The store keeps only hashes of secrets: argon2id PHC strings for
//! passwords, and the SHA-256 (hex) of session and API tokens; the web layer
//! computes them. Every change is written together with its audit entry
//! (`user_created`, `password_set`, `user_retired`, `login`, `logout`,
//! `token_created`, `token_revoked`). Nothing is deleted: users are retired,
//! sessions ended, tokens revoked.

use model::Instant;
use model::account::{Role, User, UserId, UserName};
use serde::{Deserialize, Serialize};

use crate::Result;

/// Who makes a change, and when: what the audit entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBy {
    /// A user name, `cli` or `system`.
    pub actor: String,
    /// When.
    pub at: Instant,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The login name (unique).
    pub name: UserName,
    /// The role.
    pub role: Role,
    /// The enterprise of an enterprise user.
    pub enterprise: Option<String>,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
}

/// A stored user with its password hash (for checking a login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The user.
    pub user: User,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// When the user was created.
    pub created_at: Instant,
}

/// A login session to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 (hex) of the random cookie token; the token itself is never stored.
    pub token_hash: String,
    /// The user logging in.
    pub user: UserId,
    /// The session's synchronizer token for forms (CSRF).
    pub csrf_token: String,
    /// When it starts.
    pub created_at: Instant,
    /// When it expires.
    pub expires_at: Instant,
    /// The client's address, for the audit entry.
    pub peer: String,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its user (never retired).
    pub user: User,
    /// The synchronizer token every form of this session carries.
    pub csrf_token: String,
    /// When it expires.
    pub expires_at: Instant,
}

/// An API token to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// A label, e.g. the machine client's name.
    pub name: String,
    /// SHA-256 (hex) of the token; the token itself is shown once and never stored.
    pub token_hash: String,
    /// The role the token acts with.
    pub role: Role,
    /// For [`Role::Enterprise`]: the enterprise.
    pub enterprise: Option<String>,
}

/// A stored API token (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Its id.
    pub id: i64,
    /// Its label.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its enterprise, for an enterprise token.
    pub enterprise: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: Instant,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Instant>,
}

/// Storage of users, sessions and API tokens.
pub trait AccountStore: Send + Sync {
    /// Creates a user and audits it (`user_created`); a taken name is
    /// [`crate::Error::AlreadyExists`]. Returns once committed.
    fn create_user(&self, user: &NewUser, by: &ChangedBy) -> Result<UserId>;

    /// The user with this name, retired or not, with its password hash.
    fn user_by_name(&self, name: &UserName) -> Result<Option<UserRecord>>;

    /// All users, by name.
    fn users(&self) -> Result<Vec<User>>;

    /// Replaces a user's password hash (`password_set`, audited) and ends its sessions.
    fn set_password(&self, user: UserId, password_hash: &str, by: &ChangedBy) -> Result<()>;

    /// Retires a user (`user_retired`, audited): it can no longer log in and
    /// its sessions end. The row is kept.
    fn retire_user(&self, user: UserId, by: &ChangedBy) -> Result<()>;

    /// Starts a session (audited as `login`).
    fn start_session(&self, session: &NewSession) -> Result<()>;

    /// The session with this token hash, if it is live at `now` (not ended, not
    /// expired, its user not retired).
    fn session(&self, token_hash: &str, now: Instant) -> Result<Option<Session>>;

    /// Ends a session (audited as `logout`); ending an unknown or ended session does nothing.
    fn end_session(&self, token_hash: &str, at: Instant) -> Result<()>;

    /// Creates an API token (audited as `token_created`); returns its id.
    fn create_api_token(&self, token: &NewApiToken, by: &ChangedBy) -> Result<i64>;

    /// The unrevoked token with this hash.
    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// All tokens, revoked ones included, by id.
    fn api_tokens(&self) -> Result<Vec<ApiToken>>;

    /// Revokes a token (audited as `token_revoked`).
    fn revoke_api_token(&self, id: i64, by: &ChangedBy) -> Result<()>;
}
