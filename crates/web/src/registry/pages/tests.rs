//! The registry's editing pages in-process, on the sample registry: the
//! validation message next to the refused field, saving and retiring as the
//! signed-in analyst, and who may edit.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use model::account::Role;
use model::registry::RecordStatus;
use model::time::FixedClock;
use store::conformance::fixture::at;
use store::{RegistryKind, SqliteStore};

use crate::AppState;
use crate::testing::{get_page, post_form, send, session};

struct Registry {
    state: AppState,
    cookie: String,
    csrf: String,
}

fn registry() -> Registry {
    let store = SqliteStore::open_in_memory().unwrap();
    registry::import::import(&store, &registry::sample::files(), "tests", at(0), true).unwrap();
    let (cookie, csrf) = session(&store, "ana", Role::Analyst, None, at(1_000));
    let state = AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(FixedClock(at(1_000))),
        web: Arc::default(),
    };
    Registry { state, cookie, csrf }
}

/// The form's body for `record` of `kind` with `changes` applied.
fn body_of(registry: &Registry, kind: RegistryKind, key: &str, changes: &[(&str, &str)]) -> String {
    let record = registry.state.store.registry_record(kind, key).unwrap().unwrap();
    let mut cells: Vec<(String, String)> = registry::layout::columns(kind)
        .iter()
        .map(|column| column.name.to_owned())
        .zip(registry::layout::write_row(&record.entity, record.status))
        .collect();
    for (name, value) in changes {
        cells.iter_mut().find(|(column, _)| column == name).unwrap().1 = (*value).to_owned();
    }
    cells.push(("csrf".to_owned(), registry.csrf.clone()));
    serde_urlencoded::to_string(&cells).unwrap()
}

/// Posts the form of `kind`; returns status, location and page.
async fn check(registry: &Registry, kind: &str, body: &str) -> (StatusCode, String, String) {
    send(&registry.state, post_form(&format!("/registry/{kind}/edit"), &registry.cookie, body))
        .await
}

fn first_key(registry: &Registry, kind: RegistryKind) -> String {
    registry.state.store.registry_records(kind).unwrap()[0].entity.key()
}

#[tokio::test]
async fn a_bad_credit_code_is_refused_next_to_its_field() {
    let registry = registry();
    let uscc = first_key(&registry, RegistryKind::Enterprise);
    let mut bad = uscc.clone();
    bad.replace_range(17..18, if uscc.ends_with('0') { "1" } else { "0" });
    let body = body_of(&registry, RegistryKind::Enterprise, &uscc, &[("uscc", &bad)]);
    let (status, _, page) = check(&registry, "enterprises", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(r#"<span class="field-error" id="error-uscc">该项不正确："#), "{page}");
    assert!(
        page.contains("校验码（第 18 位）为"),
        "the reason from model::Uscc, in Chinese: {page}"
    );
    assert!(page.contains(&format!(r#"value="{bad}" aria-invalid="true""#)), "the value stays");
    assert!(
        registry.state.store.registry_record(RegistryKind::Enterprise, &bad).unwrap().is_none()
    );
}

#[tokio::test]
async fn a_negative_limit_is_refused_and_a_good_one_saved_as_the_analyst() {
    let registry = registry();
    let key = registry
        .state
        .store
        .registry_records(RegistryKind::Limit)
        .unwrap()
        .into_iter()
        .find(|record| {
            registry::layout::write_row(&record.entity, record.status)[3].parse::<f64>().is_ok()
        })
        .unwrap()
        .entity
        .key();
    let body = body_of(&registry, RegistryKind::Limit, &key, &[("max", "-5")]);
    let (status, _, page) = check(&registry, "limits", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(r#"id="error-max">该项不正确：-5 应大于 0"#), "{page}");

    let body = body_of(&registry, RegistryKind::Limit, &key, &[("max", "12.5")]);
    let (status, location, page) = check(&registry, "limits", &body).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/registry/limits?saved="), "{location}");
    let stored = registry.state.store.registry_record(RegistryKind::Limit, &key).unwrap().unwrap();
    assert_eq!(registry::layout::write_row(&stored.entity, stored.status)[3], "12.5");
    let entry = &registry.state.store.audit_entries(1).unwrap()[0];
    assert_eq!(entry.actor, "ana", "audited as the signed-in analyst: {entry:?}");
}

#[tokio::test]
async fn records_are_created_listed_and_retired() {
    let registry = registry();
    let town = first_key(&registry, RegistryKind::Town);
    let body = serde_urlencoded::to_string([
        ("uscc", "91511112MA6ABCDE1X"),
        ("name", "新建测试企业"),
        ("industry", "化工"),
        ("town", town.as_str()),
        ("address", "测试路 1 号"),
        ("longitude", "103.8"),
        ("latitude", "29.4"),
        ("csrf", registry.csrf.as_str()),
    ])
    .unwrap();
    let (status, _, page) = check(&registry, "enterprises", &body).await;
    // The check character of a made-up code is almost surely wrong: find the right one from the message.
    let uscc = if status == StatusCode::SEE_OTHER {
        "91511112MA6ABCDE1X".to_owned()
    } else {
        let expected = page.split("应为 &#39;").nth(1).expect(&page).chars().next().unwrap();
        let uscc = format!("91511112MA6ABCDE1{expected}");
        let body = body.replace("91511112MA6ABCDE1X", &uscc);
        let (status, _, page) = check(&registry, "enterprises", &body).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        uscc
    };
    let (status, _, page) =
        send(&registry.state, get_page("/registry/enterprises", &registry.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("新建测试企业") && page.contains(&format!("/enterprises/{uscc}")),
        "{page}"
    );
    let retire = format!("/registry/enterprises/retire?key={uscc}");
    let (status, _, _) = send(
        &registry.state,
        post_form(&retire, &registry.cookie, &format!("csrf={}", registry.csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let record =
        registry.state.store.registry_record(RegistryKind::Enterprise, &uscc).unwrap().unwrap();
    assert_eq!(record.status, RecordStatus::Retired, "kept, retired");
    // An enterprise its outlets still use cannot be retired.
    let used = first_key(&registry, RegistryKind::Enterprise);
    let retire = format!("/registry/enterprises/retire?key={used}");
    let (status, _, page) = send(
        &registry.state,
        post_form(&retire, &registry.cookie, &format!("csrf={}", registry.csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("未停用"), "{page}");
}

#[tokio::test]
async fn inspectors_read_the_registry_but_do_not_edit_it() {
    let registry = registry();
    let (cookie, csrf) =
        session(registry.state.store.as_ref(), "insp", Role::Inspector, None, at(1_000));
    let (status, _, page) = send(&registry.state, get_page("/registry/outlets", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/edit?key="), "no edit links for an inspector");
    let (status, _, _) =
        send(&registry.state, post_form("/registry/towns/edit", &cookie, &format!("csrf={csrf}")))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) =
        send(&registry.state, get_page("/registry/wells", &registry.cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such kind: {page:.200}");
    let (status, _, page) =
        send(&registry.state, get_page("/registry?lang=en", &registry.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Permit limits") && page.contains("Enterprises"), "{page}");
}
