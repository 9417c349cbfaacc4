//! The alarm API in-process: filters, lifecycle through HTTP, precise errors.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::alarm::{AlarmKey, Rule, Severity};
use model::time::FixedClock;
use serde_json::{Value, json};
use store::conformance::fixture::{at, point_and_device};
use store::{AlarmPass, AlarmStore, Finding, SqliteStore};
use tower::ServiceExt;

use crate::{AppState, router};

fn state() -> AppState {
    let store = SqliteStore::open_in_memory().unwrap();
    let (point, _) = point_and_device(&store, "MN-API");
    let finding = |rule, pollutant: &str| Finding {
        key: AlarmKey { point, rule, pollutant: pollutant.to_owned() },
        severity: Severity::Warning,
        window_from: at(0),
        window_to: at(60_000),
        evidence: json!({ "concentration": "50" }),
        assignee: None,
    };
    store
        .record_alarm_pass(&AlarmPass {
            at: at(0),
            actor: "system:alarms",
            findings: &[
                finding(Rule::Exceedance, "a21026"),
                finding(Rule::DeviceOffline, "MN-API"),
            ],
            cleared: &[],
            channels: &["hook".to_owned()],
            watermark: None,
        })
        .unwrap();
    crate::testing::grant_analyst(&store, at(1_000));
    AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(FixedClock(at(1_000))),
        web: Arc::default(),
    }
}

/// Sends one request; returns the status and the JSON body.
async fn check(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", crate::testing::ANALYST_TOKEN))
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .unwrap();
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn list_filters_by_state_point_and_rule() {
    let state = state();
    let (status, all) = check(&state, "GET", "/api/v1/alarms", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, by_rule) =
        check(&state, "GET", "/api/v1/alarms?rule=exceedance&state=open&point=1", None).await;
    assert_eq!(by_rule.as_array().unwrap().len(), 1);
    assert_eq!(by_rule[0]["key"]["pollutant"], "a21026");
    let (_, none) = check(&state, "GET", "/api/v1/alarms?state=closed", None).await;
    assert_eq!(none, json!([]));
    let (status, error) = check(&state, "GET", "/api/v1/alarms?rule=nope", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["zh"].as_str().unwrap().contains("nope"));
}

#[tokio::test]
async fn lifecycle_through_the_api_with_precise_errors() {
    let state = state();
    let (_, list) = check(&state, "GET", "/api/v1/alarms?rule=exceedance", None).await;
    let id = list[0]["id"].as_i64().unwrap();
    let base = format!("/api/v1/alarms/{id}");

    let (status, assigned) =
        check(&state, "POST", &format!("{base}/assign"), Some(json!({ "assignee": "网格员" })))
            .await;
    assert_eq!((status, assigned["assignee"].clone()), (StatusCode::OK, json!("网格员")));
    let (status, acknowledged) = check(&state, "POST", &format!("{base}/acknowledge"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (acknowledged["state"].clone(), acknowledged["acknowledged_by"].clone()),
        (json!("acknowledged"), json!("token:1"))
    );
    let (status, _) = check(&state, "POST", &format!("{base}/acknowledge"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "acknowledged twice");
    let (status, error) =
        check(&state, "POST", &format!("{base}/close"), Some(json!({ "note": " " }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["zh"].as_str().unwrap().contains("处理说明"), "{error}");
    let (status, _) = check(&state, "POST", &format!("{base}/close"), Some(json!({ "note": "x", "attachment": { "name": "a", "media_type": "text/plain", "base64": "!!" } }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "bad base64");
    let attachment =
        json!({ "name": "整改报告.txt", "media_type": "text/plain", "base64": "YWJj" });
    let (status, closed) = check(
        &state,
        "POST",
        &format!("{base}/close"),
        Some(json!({ "note": "已整改", "attachment": attachment })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        closed["attachment"]["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );

    let (status, detail) = check(&state, "GET", &base, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["state_zh"], "已关闭");
    let events: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["opened", "assigned", "acknowledged", "closed"]);
    let response = router(state.clone())
        .oneshot(
            Request::get(format!("{base}/attachment"))
                .header("authorization", format!("Bearer {}", crate::testing::ANALYST_TOKEN))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(&axum::body::to_bytes(response.into_body(), 100).await.unwrap()[..], b"abc");

    let (status, _) = check(&state, "POST", "/api/v1/alarms/999/acknowledge", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, outbox) =
        check(&state, "GET", "/api/v1/alarms/notifications?status=pending", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox.as_array().unwrap().len(), 2);
    let (status, _) = check(&state, "GET", "/api/v1/alarms/notifications?status=lost", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
