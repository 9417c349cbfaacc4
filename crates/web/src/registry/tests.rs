#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::time::FixedClock;
use serde_json::Value;
use store::SqliteStore;
use tower::ServiceExt;

use crate::AppState;

/// A state over a store with the sample registry, on 2026-11-29 (Beijing).
fn state() -> AppState {
    let store = SqliteStore::open_in_memory().unwrap();
    let now = model::Instant::from_unix_millis(1_796_000_000_000).unwrap(); // 2026-11-30T01:33Z
    registry::import::import(&store, &registry::sample::files(), "demo", now, true).unwrap();
    crate::testing::grant_analyst(&store, now);
    AppState {
        store: Arc::new(store),
        registry: Arc::new(prometheus_client::registry::Registry::default()),
        clock: Arc::new(FixedClock(now)),
        web: Arc::default(),
    }
}

/// Sends `request` and returns the status, the content type and the body bytes.
async fn send(state: &AppState, mut request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    request.headers_mut().insert(
        axum::http::header::AUTHORIZATION,
        format!("Bearer {}", crate::testing::ANALYST_TOKEN).parse().unwrap(),
    );
    let response = crate::router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, content_type, bytes.to_vec())
}

/// Sends `method uri` with an optional JSON or raw body; returns the status and the JSON answer.
async fn check(state: &AppState, method: &str, uri: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let (status, _, bytes) = send(state, request).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn records_are_listed_and_fetched_by_key() {
    let state = state();
    let (status, body) = check(&state, "GET", "/api/v1/registry/enterprises", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_array().unwrap().len() >= 30);
    assert_eq!(body[0]["entity"]["entity"], "enterprise");
    let (status, body) = check(&state, "GET", "/api/v1/registry/outlets/WTQ-E01-FG1", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entity"]["kind"], "flue_gas");
    let limit_key = "/api/v1/registry/limits/91511112MA65J0DT85001P/WTQ-E01-FG1/a21026";
    let (status, body) = check(&state, "GET", limit_key, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entity"]["concentration"]["bound"]["max"], "35");
    let (status, _) = check(&state, "GET", "/api/v1/registry/outlets/NOPE", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = check(&state, "GET", "/api/v1/registry/planets", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_update_and_retire_are_validated_and_audited_as_the_api() {
    let state = state();
    let station = r#"{"code":"AIR-NEW","name":"新微站（模拟）","town":"511112100","level":"micro","longitude":103.8,"latitude":29.4}"#;
    let (status, body) = check(&state, "POST", "/api/v1/registry/air_stations", station).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"]["n_created"], 1);
    let bad = r#"{"code":"AIR-BAD","name":"x","town":"999999999","level":"micro","longitude":103.8,"latitude":95}"#;
    let (status, body) = check(&state, "POST", "/api/v1/registry/air_stations", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let columns: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["latitude"], "{body}");
    let (status, body) =
        check(&state, "POST", "/api/v1/registry/air_stations/retire?key=AIR-NEW", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["n_retired"], 1);
    let (_, body) = check(&state, "GET", "/api/v1/registry/air_stations?status=retired", "").await;
    assert_eq!(body.as_array().unwrap().len(), 1);
    assert_eq!(body[0]["entity"]["code"], "AIR-NEW");
    let audit = state.store.audit_entries(2).unwrap();
    assert_eq!(audit[0].action, "registry_retired");
    assert_eq!(audit[1].action, "registry_created");
    assert!(audit.iter().all(|entry| entry.actor == "token:1"));
}

#[tokio::test]
async fn an_export_downloads_and_imports_back_and_a_bad_file_is_refused_whole() {
    let state = state();
    let request = Request::get("/api/v1/registry/export/permits.xlsx").body(Body::empty()).unwrap();
    let (status, content_type, xlsx) = send(&state, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    let request = Request::post("/api/v1/registry/import?kind=permits&format=xlsx")
        .body(Body::from(xlsx))
        .unwrap();
    let (status, _, bytes) = send(&state, request).await;
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"]["n_unchanged"], body["n_rows"]);
    let csv = "code,name,district\n511112200,新镇,五通桥区\nbad,坏镇,五通桥区\n";
    let (status, body) = check(&state, "POST", "/api/v1/registry/import?kind=towns", csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["problems"][0]["line"], 3);
    assert_eq!(body["problems"][0]["column"], "code");
    let (_, body) = check(&state, "GET", "/api/v1/registry/towns/511112200", "").await;
    assert_eq!(body["error"]["en"], "not found: town 511112200", "nothing half-imported");
}

#[tokio::test]
async fn expiring_permits_and_sites_are_served() {
    let state = state();
    let (status, body) = check(&state, "GET", "/api/v1/registry/expiring-permits", "").await;
    assert_eq!(status, StatusCode::OK);
    let days: Vec<i64> =
        body.as_array().unwrap().iter().map(|p| p["days_left"].as_i64().unwrap()).collect();
    assert_eq!(days, [-15, 20, 41]);
    let (_, body) = check(&state, "GET", "/api/v1/registry/expiring-permits?days=30", "").await;
    assert_eq!(body.as_array().unwrap().len(), 2);
    let (status, body) = check(&state, "GET", "/api/v1/registry/sites", "").await;
    assert_eq!(status, StatusCode::OK);
    let section = body.as_array().unwrap().iter().find(|site| site["kind"] == "section").unwrap();
    assert_eq!(section["water_body_kind"], "river");
}

#[tokio::test]
async fn emission_totals_are_served_for_a_period() {
    let state = state();
    let (status, body) =
        check(&state, "GET", "/api/v1/registry/emissions?period=2026-11", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"], "2026-11");
    let so2 = body["district"].as_array().unwrap().iter().find(|t| t["param"] == "a21026").unwrap();
    // No readings yet: nothing counted, coverage says so, the permits still add up.
    assert_eq!(so2["amount_kg"], 0.0);
    assert_eq!(so2["n_hours"], 0);
    assert!(so2["n_expected_hours"].as_u64().unwrap() > 0);
    assert!(so2["permitted_annual_kg"].as_f64().unwrap() > 0.0);
    let (_, body) = check(&state, "GET", "/api/v1/registry/emissions", "").await;
    assert_eq!(body["period"], "2026");
    let (status, _) = check(&state, "GET", "/api/v1/registry/emissions?period=2026-13", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
