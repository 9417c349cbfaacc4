//! The HTTP API in-process, through `tower::ServiceExt::oneshot`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::{BeijingTime, DataKind, Mn, ParamCode, Reading, ReadingKey, ReadingValues};
use store::{
    AccountStore, IncomingPacket, IngestBatch, NewDevice, NewPoint, PointKind, RawPacket,
    SqliteStore, Store, Verdict,
};
use tower::ServiceExt;

fn state() -> (web::AppState, model::PointId) {
    let store = SqliteStore::open_in_memory().unwrap();
    let point = store
        .upsert_point(&NewPoint {
            code: "P1".into(),
            name: "一号排口".into(),
            kind: PointKind::FlueGas,
            enterprise: None,
            simulated: true,
        })
        .unwrap();
    store
        .upsert_device(&NewDevice {
            mn: Mn::parse("MN0001").unwrap(),
            password_hash: "$argon2id$secret-hash".into(),
            protocol: "2017".into(),
            point,
            leniency: Default::default(),
            simulated: true,
        })
        .unwrap();
    let at = BeijingTime::parse_hj212("20261101080000").unwrap().to_instant();
    let reading = Reading {
        key: ReadingKey {
            point,
            param: ParamCode::parse("a34013").unwrap(),
            kind: DataKind::Hour,
            data_time: at,
        },
        values: ReadingValues { avg: Some(5.1), flag: Some("N".into()), ..Default::default() },
    };
    let raw = RawPacket {
        bytes: b"##0000".to_vec(),
        received_at: at,
        peer: "127.0.0.1:1".into(),
        mn: Some("MN0001".into()),
        device: None,
        cn: Some(2061),
        verdict: Verdict::Accepted,
        deviations: vec![],
    };
    store
        .commit_batch(&IngestBatch {
            packets: vec![IncomingPacket { raw, readings: vec![reading] }],
            ..Default::default()
        })
        .unwrap();
    // The API's raw data needs a staff role: the tests act as an analyst's machine client.
    store
        .create_api_token(
            &store::NewApiToken {
                name: "tests".into(),
                token_hash: web::auth::token_hash(TOKEN),
                role: model::account::Role::Analyst,
                enterprise: None,
            },
            &store::ChangedBy { actor: "tests".into(), at },
        )
        .unwrap();
    let state = web::AppState {
        store: Arc::new(store),
        registry: Arc::new(prometheus_client::registry::Registry::default()),
        clock: Arc::new(model::time::FixedClock(at)),
        web: Arc::default(),
    };
    (state, point)
}

/// The analyst token `state()` creates.
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn get(state: &web::AppState, uri: &str) -> (StatusCode, serde_json::Value) {
    let response = web::router(state.clone())
        .oneshot(
            Request::get(uri)
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or(serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, json)
}

#[tokio::test]
async fn readings_of_a_point_in_a_range_with_utc_and_beijing_times() {
    let (state, point) = state();
    let (status, json) =
        get(&state, &format!("/api/v1/points/{point}/readings?kind=hour&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&param=a34013")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["count"], 1);
    let reading = &json["readings"][0];
    assert_eq!(reading["param"], "a34013");
    assert_eq!(reading["Avg"], 5.1);
    assert_eq!(reading["Flag"], "N");
    assert_eq!(reading["data_time"], "2026-11-01T00:00:00Z");
    assert_eq!(reading["data_time_beijing"], "2026-11-01T08:00:00+08:00");
}

#[tokio::test]
async fn a_bad_query_gets_a_bilingual_400() {
    let (state, point) = state();
    let (status, json) = get(&state, &format!("/api/v1/points/{point}/readings?kind=weekly")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json["error"]["zh"].as_str().unwrap().contains("请求参数错误"));
    assert!(json["error"]["en"].as_str().unwrap().contains("weekly"));
}

#[tokio::test]
async fn devices_never_show_their_password_hash() {
    let (state, _) = state();
    let (status, json) = get(&state, "/api/v1/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json[0]["mn"], "MN0001");
    assert!(!json.to_string().contains("argon2"), "{json}");
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let (state, _) = state();
    let (status, _) = get(&state, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(&state, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
}
