//! Corrections and the case export through HTTP: versions with the signed-in
//! actor, the marker on readings, precise refusals, and a streamed archive.

use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::DataKind;
use model::time::FixedClock;
use serde_json::{Value, json};
use store::conformance::fixture::{accepted_packet, at, point_and_device, reading};
use store::{IngestBatch, SqliteStore, Store};
use tower::ServiceExt;

use crate::{AppState, router};

fn state() -> AppState {
    let store = SqliteStore::open_in_memory().unwrap();
    let (point, device) = point_and_device(&store, "MN-CORR-API");
    let packet = accepted_packet(
        device,
        vec![
            reading(point, "a21026", DataKind::Hour, 0, 120.0),
            reading(point, "a21002", DataKind::Hour, 0, 80.0),
        ],
        60_000,
    );
    store.commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() }).unwrap();
    crate::testing::grant_analyst(&store, at(1_000));
    AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(FixedClock(at(7_200_000))),
        web: Arc::default(),
    }
}

/// Sends one request as the analyst token; returns the status, content type and body.
async fn check(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, String, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", crate::testing::ANALYST_TOKEN))
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .unwrap();
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, content_type, bytes.to_vec())
}

async fn check_json(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, _, bytes) = check(state, method, uri, body).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn time() -> String {
    at(0).to_rfc3339()
}

#[tokio::test]
async fn a_correction_is_a_new_version_shown_with_its_marker() {
    let state = state();
    let body = json!({
        "kind": "hour", "data_time": time(), "param": "a21026",
        "values": { "Avg": 12.0 }, "reason": "比对监测后更正",
    });
    let (status, version) =
        check_json(&state, "POST", "/api/v1/points/1/readings/correct", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{version}");
    assert_eq!(
        (version["version"].clone(), version["actor"].clone()),
        (json!(2), json!("token:1"))
    );
    assert_eq!(version["values"]["flag"], "N", "fields not in the patch are kept");

    let from = at(-1).to_rfc3339();
    let to = at(1).to_rfc3339();
    let uri =
        format!("/api/v1/points/1/readings?kind=hour&from={from}&to={to}").replace('+', "%2B");
    let (status, readings) = check_json(&state, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    let rows = readings["readings"].as_array().unwrap();
    let so2 = rows.iter().find(|row| row["param"] == "a21026").unwrap();
    let no2 = rows.iter().find(|row| row["param"] == "a21002").unwrap();
    assert_eq!(so2["Avg"], 12.0);
    assert_eq!(so2["corrected"]["version"], 2);
    assert_eq!(so2["corrected"]["reason"], "比对监测后更正");
    assert!(no2.get("corrected").is_none(), "{no2}");

    let uri =
        format!("/api/v1/points/1/readings/history?kind=hour&param=a21026&data_time={}", time())
            .replace('+', "%2B");
    let (status, history) = check_json(&state, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    let avgs: Vec<&Value> =
        history["versions"].as_array().unwrap().iter().map(|v| &v["values"]["avg"]).collect();
    assert_eq!(avgs, [&json!(120.0), &json!(12.0)]);
}

#[tokio::test]
async fn corrections_are_refused_precisely() {
    let state = state();
    let post = |values: Value, reason: &str, param: &str| json!({ "kind": "hour", "data_time": time(), "param": param, "values": values, "reason": reason });
    let uri = "/api/v1/points/1/readings/correct";
    let (status, error) =
        check_json(&state, "POST", uri, Some(post(json!({ "Avg": 1 }), " ", "a21026"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["zh"].as_str().unwrap().contains("更正须说明原因"), "{error}");
    let (status, error) =
        check_json(&state, "POST", uri, Some(post(json!({ "Average": 1 }), "x", "a21026"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["en"].as_str().unwrap().contains("Average"), "{error}");
    let (status, error) =
        check_json(&state, "POST", uri, Some(post(json!({ "Avg": "1" }), "x", "a21026"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, _) =
        check_json(&state, "POST", uri, Some(post(json!({ "Avg": 120.0 }), "x", "a21026"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unchanged");
    let (status, _) =
        check_json(&state, "POST", uri, Some(post(json!({ "Avg": 1 }), "x", "a01001"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(state.store.audit_entries(10).unwrap().iter().all(|e| e.action != "reading_corrected"));
}

#[tokio::test]
async fn the_case_archive_streams_as_a_zip() {
    let state = state();
    let uri = format!(
        "/api/v1/points/1/case.zip?from={}&to={}",
        at(-1).to_rfc3339(),
        at(3_600_000).to_rfc3339()
    )
    .replace('+', "%2B");
    let (status, content_type, bytes) = check(&state, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut summary = String::new();
    archive.by_name("summary.md").unwrap().read_to_string(&mut summary).unwrap();
    assert!(summary.contains("token:1"), "exported by the signed-in principal: {summary}");
    let mut readings = String::new();
    archive.by_name("readings.csv").unwrap().read_to_string(&mut readings).unwrap();
    assert_eq!(readings.lines().count(), 3, "{readings}");

    let uri_unknown = uri.replace("/points/1/", "/points/99/");
    let (status, _, _) = check(&state, "GET", &uri_unknown, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reversed =
        format!("/api/v1/points/1/case.zip?from={}&to={}", at(1).to_rfc3339(), at(0).to_rfc3339())
            .replace('+', "%2B");
    let (status, _, _) = check(&state, "GET", &reversed, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
