//! User management in-process: adding with refusals next to the fields,
//! resetting a password (the new one logs in), retiring, and who may.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use model::account::{Role, UserName};
use model::time::FixedClock;
use store::SqliteStore;
use store::conformance::fixture::at;

use crate::AppState;
use crate::testing::{get_page, post_form, send, session};

struct Admin {
    state: AppState,
    cookie: String,
    csrf: String,
}

fn admin() -> Admin {
    let store = SqliteStore::open_in_memory().unwrap();
    let (cookie, csrf) = session(&store, "root", Role::Admin, None, at(0));
    let state = AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(FixedClock(at(1_000))),
        web: Arc::default(),
    };
    Admin { state, cookie, csrf }
}

/// Posts `fields` to `uri` as the administrator; returns status, location, page.
async fn check(admin: &Admin, uri: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
    pairs.push(("csrf", &admin.csrf));
    let body = serde_urlencoded::to_string(&pairs).unwrap();
    send(&admin.state, post_form(uri, &admin.cookie, &body)).await
}

fn user(admin: &Admin, name: &str) -> Option<store::UserRecord> {
    admin.state.store.user_by_name(&UserName::parse(name).unwrap()).unwrap()
}

#[tokio::test]
async fn adding_a_user_refuses_bad_fields_next_to_them() {
    let admin = admin();
    let (status, _, page) = check(
        &admin,
        "/admin/users",
        &[("name", "lilei"), ("role", "enterprise"), ("enterprise", ""), ("password", "short")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["enterprise", "password"] {
        assert!(page.contains(&format!(r#"id="error-{field}""#)), "{field}: {page}");
    }
    assert!(page.contains("fewer than 10 characters"), "the reason: {page}");
    let (status, _, page) =
        check(&admin, "/admin/users", &[("name", "li lei"), ("role", "admin"), ("password", "x")])
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="error-name""#), "{page}");
    assert!(user(&admin, "lilei").is_none(), "nothing was added");
    let (status, location, page) = check(
        &admin,
        "/admin/users",
        &[("name", "lilei"), ("role", "inspector"), ("password", "grid-2026-inspect")],
    )
    .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/admin/users"), "{page}");
    let created = user(&admin, "lilei").unwrap();
    assert_eq!(created.user.role, Role::Inspector);
    assert!(crate::auth::verify_password("grid-2026-inspect", &created.password_hash));
    let entry = &admin.state.store.audit_entries(1).unwrap()[0];
    assert_eq!(entry.actor, "root");
    let (status, _, page) = check(
        &admin,
        "/admin/users",
        &[("name", "lilei"), ("role", "analyst"), ("password", "another-2026-pass")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("已有同名用户"), "{page}");
}

#[tokio::test]
async fn passwords_are_reset_and_users_retired_by_administrators_only() {
    let admin = admin();
    let (inspector_cookie, _) =
        session(admin.state.store.as_ref(), "wang", Role::Inspector, None, at(0));
    let (status, _, _) = send(&admin.state, get_page("/admin/users", &inspector_cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "administrators only");
    let (status, _, page) =
        check(&admin, "/admin/users/wang/password", &[("password", "wang")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="error-password""#), "{page}");
    let (status, _, page) =
        check(&admin, "/admin/users/wang/password", &[("password", "new-secret-2026")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("已设置密码"));
    assert!(crate::auth::verify_password(
        "new-secret-2026",
        &user(&admin, "wang").unwrap().password_hash
    ));
    let (status, _, _) = check(&admin, "/admin/users/wang/retire", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(user(&admin, "wang").unwrap().user.retired, "kept, retired");
    let (status, _, _) = check(&admin, "/admin/users/root/retire", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "not one's own account");
    let (status, _, _) = check(&admin, "/admin/users/nobody/retire", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (cookie, _) = session(admin.state.store.as_ref(), "zhao", Role::Analyst, None, at(0));
    let (status, _, _) = send(&admin.state, get_page("/admin/users", &cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) =
        send(&admin.state, get_page("/admin/users?lang=en", &admin.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("User management") && page.contains("zhao"));
}
