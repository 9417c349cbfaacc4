//! The enterprise file and the key-supervised list in-process, on the sample
//! registry (clock: 2026-11-18, so permit 91511112MA65J0DT85001P, valid to
//! 2026-12-20, is in the 60-day warning window).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use model::account::Role;
use model::alarm::{AlarmKey, Rule, Severity};
use model::time::FixedClock;
use serde_json::json;
use store::conformance::fixture::at;
use store::{AlarmPass, AlarmStore, Finding, RegistryKind, RegistryStore, SqliteStore};

use crate::AppState;
use crate::testing::{get_page, send, session};

/// The first sample enterprise (青山盐化) and its credit code.
const USCC: &str = "91511112MA65J0DT85";
const NAME: &str = "青山盐化有限公司（模拟）";
const OTHER_USCC: &str = "91511112MA6CR7L2FL";

/// The sample registry, an alarm on one of 青山盐化's outlets closed by `insp`.
fn state() -> AppState {
    let store = SqliteStore::open_in_memory().unwrap();
    registry::import::import(&store, &registry::sample::files(), "tests", at(0), true).unwrap();
    let point = store
        .registry_records(RegistryKind::Outlet)
        .unwrap()
        .into_iter()
        .find(|record| {
            matches!(&record.entity, store::RegistryEntity::Outlet(outlet) if outlet.enterprise.as_str() == USCC)
        })
        .and_then(|record| record.point)
        .unwrap();
    let outcome = store
        .record_alarm_pass(&AlarmPass {
            at: at(0),
            actor: "system:alarms",
            findings: &[Finding {
                key: AlarmKey { point, rule: Rule::Exceedance, pollutant: "a21026".into() },
                severity: Severity::Critical,
                window_from: at(0),
                window_to: at(3_600_000),
                evidence: json!({}),
                assignee: None,
            }],
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap();
    store.close_alarm(outcome.opened[0], "insp", at(1_000), "已督促整改", None).unwrap();
    AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(FixedClock(at(2_000))),
        web: Arc::default(),
    }
}

/// The page at `uri` for a new session of `role` (bound to `enterprise`).
async fn check(
    state: &AppState,
    uri: &str,
    name: &str,
    role: Role,
    enterprise: Option<&str>,
) -> (StatusCode, String, String) {
    let (cookie, _) = session(state.store.as_ref(), name, role, enterprise, at(2_000));
    send(state, get_page(uri, &cookie)).await
}

#[tokio::test]
async fn the_enterprise_file_shows_permits_outlets_devices_emissions_and_alarms() {
    let state = state();
    let (status, _, page) =
        check(&state, &format!("/enterprises/{USCC}"), "insp", Role::Inspector, None).await;
    assert_eq!(status, StatusCode::OK, "{page:.500}");
    assert!(page.contains(NAME) && page.contains("牛华镇"), "registry data with the town's name");
    assert!(
        page.contains("91511112MA65J0DT85001P") && page.contains("即将到期：剩 32 天"),
        "{page}"
    );
    assert!(page.contains("有排污许可证已过期或将在 60 天内到期"), "the expiry warning");
    for section in ["section-limits", "section-outlets", "section-devices", "section-emissions"] {
        assert!(page.contains(section), "{section}");
    }
    assert!(page.contains("insp: 已督促整改"), "the alarm and its handling: {page}");
    let (_, _, page) =
        check(&state, &format!("/enterprises/{USCC}?lang=en"), "ana", Role::Analyst, None).await;
    assert!(page.contains("Expires in 32 days") && page.contains("Enterprise file"), "English");
    assert!(
        page.contains(&format!("/registry/enterprises/edit?key={USCC}")),
        "analysts get the edit link"
    );
}

#[tokio::test]
async fn enterprise_users_open_only_their_own_file() {
    let state = state();
    let (status, _, _) =
        check(&state, &format!("/enterprises/{USCC}"), "e1", Role::Enterprise, Some(NAME)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, page) =
        check(&state, &format!("/enterprises/{OTHER_USCC}"), "e2", Role::Enterprise, Some(NAME))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page:.300}");
    assert!(!page.contains("竹溪磷化工"), "nothing of the other enterprise");
    let (status, location, _) =
        check(&state, "/enterprises", "e3", Role::Enterprise, Some(NAME)).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, format!("/enterprises/{USCC}").as_str())
    );
    let (status, _, _) =
        check(&state, "/enterprises/91511112MA6ABCDE1G", "insp", Role::Inspector, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_sees_the_key_supervised_list() {
    let state = state();
    let (status, _, page) = send(&state, get_page("/public/enterprises", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(NAME) && page.contains("水、气、风险"), "categories in Chinese: {page}");
    let n_listed = state
        .store
        .registry_records(RegistryKind::Enterprise)
        .unwrap()
        .into_iter()
        .filter(|record| matches!(&record.entity, store::RegistryEntity::Enterprise(e) if !e.categories.is_empty()))
        .count();
    assert_eq!(page.matches("<tr><td>").count(), n_listed, "one row per key-supervised enterprise");
    let (status, _, csv) = send(&state, get_page("/public/enterprises?format=csv", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains(USCC));
}
