//! Conformance cases of [`crate::AccountStore`]: users, sessions, API tokens,
//! each change with its audit entry.

use model::account::{Role, UserName};

use super::fixture::at;
use crate::{ChangedBy, Error, NewApiToken, NewSession, NewUser, Store};

fn by(actor: &str, offset_ms: i64) -> ChangedBy {
    ChangedBy { actor: actor.to_owned(), at: at(offset_ms) }
}

fn new_user(name: &str, role: Role, enterprise: Option<&str>) -> NewUser {
    NewUser {
        name: UserName::parse(name).unwrap(),
        role,
        enterprise: enterprise.map(str::to_owned),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${name}"),
    }
}

fn session(user: model::account::UserId, token_hash: &str, expires_offset_ms: i64) -> NewSession {
    NewSession {
        token_hash: token_hash.to_owned(),
        user,
        csrf_token: format!("csrf-{token_hash}"),
        created_at: at(0),
        expires_at: at(expires_offset_ms),
        peer: "127.0.0.1".to_owned(),
    }
}

/// Users are created once per name, read back with role and binding, and audited.
pub fn users_are_unique_by_name_and_audited(store: &dyn Store) {
    let admin = store.create_user(&new_user("admin", Role::Admin, None), &by("cli", 0)).unwrap();
    store
        .create_user(&new_user("企业甲", Role::Enterprise, Some("E-001")), &by("admin", 1))
        .unwrap();
    let duplicate = store.create_user(&new_user("admin", Role::Analyst, None), &by("cli", 2));
    assert!(matches!(duplicate, Err(Error::AlreadyExists { entity: "user", .. })), "{duplicate:?}");

    let record = store.user_by_name(&UserName::parse("admin").unwrap()).unwrap().unwrap();
    assert_eq!(
        (record.user.id, record.user.role, record.user.retired),
        (admin, Role::Admin, false)
    );
    assert!(record.password_hash.starts_with("$argon2id$"));
    let users = store.users().unwrap();
    let names: Vec<&str> = users.iter().map(|user| user.name.as_str()).collect();
    assert_eq!(names, ["admin", "企业甲"]);
    assert_eq!(users[1].enterprise.as_deref(), Some("E-001"));
    assert!(store.user_by_name(&UserName::parse("nobody").unwrap()).unwrap().is_none());

    let audit = store.audit_entries(10).unwrap();
    let created: Vec<(&str, &str)> = audit
        .iter()
        .filter(|entry| entry.action == "user_created")
        .map(|entry| (entry.actor.as_str(), entry.subject.as_str()))
        .collect();
    assert_eq!(created, [("admin", "user:企业甲"), ("cli", "user:admin")], "newest first");
    assert!(
        !audit.iter().any(|entry| entry.detail.to_string().contains("argon2")),
        "no hash in the audit"
    );
}

/// A session is live until it expires or ends; login and logout are audited.
pub fn sessions_live_until_expiry_or_logout(store: &dyn Store) {
    let user =
        store.create_user(&new_user("inspector1", Role::Inspector, None), &by("cli", 0)).unwrap();
    store.start_session(&session(user, "hash-a", 60_000)).unwrap();
    store.start_session(&session(user, "hash-b", 60_000)).unwrap();

    let live = store.session("hash-a", at(59_999)).unwrap().unwrap();
    assert_eq!((live.user.id, live.user.role), (user, Role::Inspector));
    assert_eq!(live.csrf_token, "csrf-hash-a");
    assert!(store.session("hash-a", at(60_000)).unwrap().is_none(), "expired at its expiry");
    assert!(store.session("hash-unknown", at(1)).unwrap().is_none());

    store.end_session("hash-a", at(10)).unwrap();
    assert!(store.session("hash-a", at(11)).unwrap().is_none(), "ended");
    assert!(store.session("hash-b", at(11)).unwrap().is_some(), "other sessions live on");
    store.end_session("hash-a", at(12)).unwrap();

    let actions: Vec<String> =
        store.audit_entries(10).unwrap().into_iter().map(|entry| entry.action).collect();
    assert_eq!(
        actions,
        ["logout", "login", "login", "user_created"],
        "a second logout records nothing"
    );
}

/// Retiring a user or changing its password ends its sessions; retired users stay listed.
pub fn retiring_and_password_change_end_sessions(store: &dyn Store) {
    let user =
        store.create_user(&new_user("analyst1", Role::Analyst, None), &by("cli", 0)).unwrap();
    store.start_session(&session(user, "s1", 60_000)).unwrap();
    store.set_password(user, "$argon2id$new", &by("admin", 5)).unwrap();
    assert!(store.session("s1", at(6)).unwrap().is_none());
    let record = store.user_by_name(&UserName::parse("analyst1").unwrap()).unwrap().unwrap();
    assert_eq!(record.password_hash, "$argon2id$new");

    store.start_session(&session(user, "s2", 60_000)).unwrap();
    store.retire_user(user, &by("admin", 7)).unwrap();
    assert!(store.session("s2", at(8)).unwrap().is_none());
    let users = store.users().unwrap();
    assert!(users[0].retired, "kept, retired");
    assert!(matches!(
        store.retire_user(model::account::UserId(999), &by("admin", 9)),
        Err(Error::NotFound { .. })
    ));
    let entry = &store.audit_entries(1).unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.actor.as_str()), ("user_retired", "admin"));
    assert_eq!(entry.detail["before"]["retired"], false);
    assert_eq!(entry.detail["after"]["retired"], true);
}

/// API tokens are found by hash until revoked; creation and revocation are audited.
pub fn api_tokens_work_until_revoked(store: &dyn Store) {
    let token = |name: &str, hash: &str, role| NewApiToken {
        name: name.to_owned(),
        token_hash: hash.to_owned(),
        role,
        enterprise: None,
    };
    let id = store.create_api_token(&token("scada", "t1", Role::Analyst), &by("admin", 0)).unwrap();
    store.create_api_token(&token("portal", "t2", Role::Public), &by("admin", 1)).unwrap();
    let found = store.api_token("t1").unwrap().unwrap();
    assert_eq!((found.id, found.role, found.name.as_str()), (id, Role::Analyst, "scada"));
    assert!(store.api_token("t3").unwrap().is_none());

    store.revoke_api_token(id, &by("admin", 2)).unwrap();
    assert!(store.api_token("t1").unwrap().is_none());
    assert!(store.api_token("t2").unwrap().is_some());
    let tokens = store.api_tokens().unwrap();
    assert_eq!(tokens.len(), 2, "revoked tokens stay listed");
    assert_eq!(tokens[0].revoked_at, Some(at(2)));
    assert!(matches!(store.revoke_api_token(99, &by("admin", 3)), Err(Error::NotFound { .. })));
    let actions: Vec<String> =
        store.audit_entries(10).unwrap().into_iter().map(|entry| entry.action).collect();
    assert_eq!(actions, ["token_revoked", "token_created", "token_created"]);
}
