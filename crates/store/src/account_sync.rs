//! What each account change records in the audit log, the same on both
//! backends ([`AccountStore`](crate::AccountStore)). Password hashes and token
//! hashes never enter the log: it says only that a password changed.

use model::Instant;
use model::account::{User, UserName};
use serde_json::json;

use crate::{AuditEntry, ChangedBy, NewApiToken, NewSession, NewUser};

fn entry(by: &ChangedBy, action: &str, subject: String, detail: serde_json::Value) -> AuditEntry {
    AuditEntry { at: by.at, actor: by.actor.clone(), action: action.to_owned(), subject, detail }
}

fn user_json(user: &User) -> serde_json::Value {
    json!({
        "name": user.name.as_str(),
        "role": user.role.as_str(),
        "enterprise": user.enterprise,
        "retired": user.retired,
    })
}

/// `user_created`.
pub(crate) fn user_created(by: &ChangedBy, user: &NewUser) -> AuditEntry {
    let after = json!({
        "name": user.name.as_str(),
        "role": user.role.as_str(),
        "enterprise": user.enterprise,
    });
    entry(
        by,
        "user_created",
        format!("user:{}", user.name),
        json!({ "before": null, "after": after }),
    )
}

/// `password_set`, with the number of sessions it ended.
pub(crate) fn password_set(by: &ChangedBy, name: &UserName, n_ended: u64) -> AuditEntry {
    let detail = json!({
        "before": {"password": "set"},
        "after": {"password": "changed"},
        "sessions_ended": n_ended,
    });
    entry(by, "password_set", format!("user:{name}"), detail)
}

/// `user_retired`, with the number of sessions it ended.
pub(crate) fn user_retired(by: &ChangedBy, before: &User, n_ended: u64) -> AuditEntry {
    let after = User { retired: true, ..before.clone() };
    let detail = json!({
        "before": user_json(before),
        "after": user_json(&after),
        "sessions_ended": n_ended,
    });
    entry(by, "user_retired", format!("user:{}", before.name), detail)
}

/// `login` of `name`.
pub(crate) fn login(session: &NewSession, name: &UserName) -> AuditEntry {
    let by = ChangedBy { actor: name.to_string(), at: session.created_at };
    let detail = json!({"peer": session.peer, "expires_at": session.expires_at});
    entry(&by, "login", format!("user:{name}"), detail)
}

/// `logout` of `name`.
pub(crate) fn logout(at: Instant, name: &str) -> AuditEntry {
    let by = ChangedBy { actor: name.to_owned(), at };
    entry(&by, "logout", format!("user:{name}"), json!({}))
}

/// `token_created` for token `id`.
pub(crate) fn token_created(by: &ChangedBy, id: i64, token: &NewApiToken) -> AuditEntry {
    let after =
        json!({"name": token.name, "role": token.role.as_str(), "enterprise": token.enterprise});
    entry(by, "token_created", format!("token:{id}"), json!({ "before": null, "after": after }))
}

/// `token_revoked` for token `id`.
pub(crate) fn token_revoked(by: &ChangedBy, id: i64) -> AuditEntry {
    let detail = json!({"before": {"revoked": false}, "after": {"revoked": true}});
    entry(by, "token_revoked", format!("token:{id}"), detail)
}
