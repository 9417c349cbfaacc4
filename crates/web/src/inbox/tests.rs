//! The alarm inbox in-process: who sees which alarm, and the forms that
//! acknowledge and close one as the signed-in user.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use model::account::Role;
use model::alarm::{AlarmId, AlarmKey, AlarmState, Rule, Severity};
use model::time::FixedClock;
use serde_json::json;
use store::conformance::fixture::{at, point_and_device};
use store::{AlarmPass, AlarmStore, Finding, SqliteStore};

use crate::AppState;
use crate::testing::{get_page, post_form, send, session};

struct Inbox {
    state: AppState,
    cookie: String,
    csrf: String,
}

/// Three open alarms: unassigned (#1), assigned to `insp` (#2), to someone else (#3);
/// a session of inspector `insp`.
fn inbox() -> Inbox {
    let store = SqliteStore::open_in_memory().unwrap();
    let (point, _) = point_and_device(&store, "MN-INBOX");
    let finding = |rule, pollutant: &str, assignee: Option<&str>| Finding {
        key: AlarmKey { point, rule, pollutant: pollutant.to_owned() },
        severity: Severity::Warning,
        window_from: at(0),
        window_to: at(60_000),
        evidence: json!({ "concentration": "50" }),
        assignee: assignee.map(str::to_owned),
    };
    store
        .record_alarm_pass(&AlarmPass {
            at: at(0),
            actor: "system:alarms",
            findings: &[
                finding(Rule::Exceedance, "a21026", None),
                finding(Rule::LimitCrossing, "a21002", Some("insp")),
                finding(Rule::ConstantValue, "a21003", Some("someone-else")),
            ],
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap();
    let (cookie, csrf) = session(&store, "insp", Role::Inspector, None, at(1_000));
    let state = AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(FixedClock(at(1_000))),
        web: Arc::default(),
    };
    Inbox { state, cookie, csrf }
}

/// The inbox page at `query`: status and body.
async fn check(inbox: &Inbox, query: &str) -> (StatusCode, String) {
    let (status, _, body) =
        send(&inbox.state, get_page(&format!("/alarms{query}"), &inbox.cookie)).await;
    (status, body)
}

fn alarm(inbox: &Inbox, id: i64) -> store::Alarm {
    inbox.state.store.alarm(AlarmId(id)).unwrap().unwrap()
}

#[tokio::test]
async fn the_inbox_lists_mine_my_roles_and_unassigned_alarms() {
    let inbox = inbox();
    let (status, page) = check(&inbox, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(r#"href="/alarms/1""#) && page.contains(r#"href="/alarms/2""#), "{page}");
    assert!(!page.contains(r#"href="/alarms/3""#), "someone else's alarm is not in my inbox");
    assert!(page.contains("超标") && page.contains("待处理"), "Chinese rule and state names");
    let (_, page) = check(&inbox, "?scope=all").await;
    assert!(page.contains(r#"href="/alarms/3""#), "all alarms on request");
    let (_, page) = check(&inbox, "?scope=all&rule=constant_value").await;
    assert!(page.contains(r#"href="/alarms/3""#) && !page.contains(r#"href="/alarms/1""#));
    let (_, page) = check(&inbox, "?state=closed").await;
    assert!(!page.contains(r#"href="/alarms/1""#), "no closed alarm yet");
    let (status, page) = check(&inbox, "?state=done").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("应为 active、open、acknowledged 或 closed"), "{page}");
    let (_, page) = check(&inbox, "?lang=en").await;
    assert!(page.contains("Alarm inbox") && page.contains("exceedance"), "English");
}

#[tokio::test]
async fn acknowledging_in_the_inbox_records_the_signed_in_user() {
    let inbox = inbox();
    let (_, _, page) = send(&inbox.state, get_page("/alarms/1", &inbox.cookie)).await;
    assert!(page.contains(r#"id="acknowledge-form""#), "an open alarm can be acknowledged");
    let forged = post_form("/alarms/1/acknowledge", &inbox.cookie, "csrf=forged");
    assert_eq!(send(&inbox.state, forged).await.0, StatusCode::FORBIDDEN);
    assert_eq!(alarm(&inbox, 1).state, AlarmState::Open, "a forged form changes nothing");
    let body = format!("csrf={}", inbox.csrf);
    let (status, location, _) =
        send(&inbox.state, post_form("/alarms/1/acknowledge", &inbox.cookie, &body)).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/alarms/1"));
    let acknowledged = alarm(&inbox, 1);
    assert_eq!(acknowledged.state, AlarmState::Acknowledged);
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("insp"));
    let (_, _, page) = send(&inbox.state, get_page("/alarms/1", &inbox.cookie)).await;
    assert!(page.contains("<td>insp</td><td>确认</td>"), "the history names the user: {page}");
    assert!(!page.contains(r#"id="acknowledge-form""#), "no second acknowledgement");
    let (status, _, page) =
        send(&inbox.state, post_form("/alarms/1/acknowledge", &inbox.cookie, &body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "already acknowledged");
    assert!(page.contains("cannot acknowledge an alarm that is acknowledged"), "{page}");
    let entry = &inbox.state.store.audit_entries(1).unwrap()[0];
    assert_eq!(entry.actor, "insp");
}

#[tokio::test]
async fn closing_needs_a_note_shown_next_to_the_field() {
    let inbox = inbox();
    let empty = format!("csrf={}&note=++", inbox.csrf);
    let (status, _, page) =
        send(&inbox.state, post_form("/alarms/2/close", &inbox.cookie, &empty)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<span class="field-error" id="error-note">关闭报警须填写处理说明"#),
        "{page}"
    );
    assert_eq!(alarm(&inbox, 2).state, AlarmState::Open);
    let note = format!("csrf={}&note=%E5%B7%B2%E7%8E%B0%E5%9C%BA%E6%A0%B8%E6%9F%A5", inbox.csrf);
    let (status, _, _) =
        send(&inbox.state, post_form("/alarms/2/close", &inbox.cookie, &note)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let closed = alarm(&inbox, 2);
    assert_eq!(closed.state, AlarmState::Closed);
    assert_eq!(closed.closed_by.as_deref(), Some("insp"));
    assert_eq!(closed.close_note.as_deref(), Some("已现场核查"));
    let (_, page) = check(&inbox, "?state=closed").await;
    assert!(page.contains("insp: 已现场核查"), "the inbox shows the handling: {page}");
}

#[tokio::test]
async fn enterprise_users_and_the_public_have_no_inbox() {
    let inbox = inbox();
    let (cookie, _) =
        session(inbox.state.store.as_ref(), "ent", Role::Enterprise, Some("E1"), at(1_000));
    let (status, _, _) = send(&inbox.state, get_page("/alarms", &cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, page) = send(&inbox.state, get_page("/dashboard", &cookie)).await;
    assert!(!page.contains(r#"id="nav-alarms""#), "no link to what they may not open");
    let (_, _, page) = send(&inbox.state, get_page("/dashboard", &inbox.cookie)).await;
    assert!(page.contains(r#"id="nav-alarms""#) && !page.contains(r#"id="nav-users""#));
    let (status, _, _) = send(&inbox.state, get_page("/alarms/9", &inbox.cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
