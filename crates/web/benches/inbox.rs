//! The alarm inbox (`GET /alarms`) with 3,100 active alarms (100 a page),
//! in-process through the router as a signed-in inspector: the first page and
//! page 30 (reached by following the "next" links, so through the keyset
//! cursor), against two baselines of the same run: `/healthz` (no store, no
//! page) and the inbox filtered to a state with no alarm
//! (`/alarms?state=closed`: the same session, queries and page chrome, no
//! rows). Issue #5 left "`/alarms` with 500 alarms is slow (p99 277 ms)".
//!
//! Run with `cargo bench -p web --bench inbox -- --warm-up-time 1 --measurement-time 5`.

#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use criterion::{Criterion, criterion_group, criterion_main};
use model::Instant;
use model::account::{Role, UserName};
use model::alarm::{AlarmKey, Rule, Severity};
use store::{
    AccountStore, AlarmPass, AlarmStore, Finding, NewPoint, NewSession, NewUser, PointKind,
    SqliteOptions, SqliteStore, Store,
};
use tower::ServiceExt;

const N_POINTS: usize = 100;
const N_ALARMS: usize = 3_100;
/// 2026-11-18T17:46:40Z.
const T0_MS: i64 = 1_795_000_000_000;

fn at(offset_ms: i64) -> Instant {
    Instant::from_unix_millis(T0_MS + offset_ms).unwrap()
}

/// The store (a temporary file, as served) with the alarms, and the inspector's cookie.
fn fixture(dir: &std::path::Path) -> (web::AppState, String) {
    let store = SqliteStore::open(&dir.join("inbox.db"), SqliteOptions::default()).unwrap();
    let points: Vec<model::PointId> = (0..N_POINTS)
        .map(|index| {
            store
                .upsert_point(&NewPoint {
                    code: format!("INBOX-{index:03}"),
                    name: format!("排放口 {index}"),
                    kind: PointKind::FlueGas,
                    enterprise: None,
                    simulated: true,
                })
                .unwrap()
        })
        .collect();
    let findings: Vec<Finding> = (0..N_ALARMS)
        .map(|index| Finding {
            key: AlarmKey {
                point: points[index % N_POINTS],
                rule: if index % 2 == 0 { Rule::Exceedance } else { Rule::ConstantValue },
                pollutant: format!("p{:02}", index / N_POINTS),
            },
            severity: Severity::Warning,
            window_from: at(0),
            window_to: at(3_600_000),
            evidence: serde_json::json!({
                "data_kind": "hour", "data_time": "2026-11-18T17:00:00Z", "value": 123.4,
                "concentration": 123.4, "multiple": 1.23, "limit": {"max": "100"},
                "unit": "mg/m3", "averaging": "hour",
            }),
            assignee: None,
        })
        .collect();
    store
        .record_alarm_pass(&AlarmPass {
            at: at(0),
            actor: "system:alarms",
            findings: &findings,
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap();
    let by = store::ChangedBy { actor: "bench".into(), at: at(0) };
    let user = store
        .create_user(
            &NewUser {
                name: UserName::parse("insp").unwrap(),
                role: Role::Inspector,
                enterprise: None,
                password_hash: "not-used".into(),
            },
            &by,
        )
        .unwrap();
    store
        .start_session(&NewSession {
            token_hash: web::auth::token_hash("bench-session"),
            user,
            csrf_token: "bench-csrf".into(),
            created_at: at(0),
            expires_at: at(86_400_000),
            peer: "bench".into(),
        })
        .unwrap();
    let state = web::AppState {
        store: Arc::new(store),
        registry: Arc::default(),
        clock: Arc::new(model::time::FixedClock(at(60_000))),
        web: Arc::default(),
    };
    (state, format!("{}=bench-session", web::auth::SESSION_COOKIE))
}

async fn get(state: &web::AppState, cookie: &str, uri: &str) -> usize {
    let request = Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let response = web::router(state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().len()
}

/// The body of `uri`.
async fn body(state: &web::AppState, cookie: &str, uri: &str) -> String {
    let request = Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let response = web::router(state.clone()).oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The page `n` of `/alarms`, by following the "next" links from the first.
async fn page_uri(state: &web::AppState, cookie: &str, n: usize) -> String {
    let mut uri = "/alarms".to_owned();
    for _ in 1..n {
        let page = body(state, cookie, &uri).await;
        let end = page.find(r#"" id="inbox-next""#).unwrap();
        let start = page[..end].rfind(r#"href=""#).unwrap() + r#"href=""#.len();
        uri = page[start..end].replace("&amp;", "&");
    }
    uri
}

fn inbox(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (state, cookie) = fixture(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let deep = runtime.block_on(page_uri(&state, &cookie, 30));
    for uri in ["/alarms", deep.as_str()] {
        let page = runtime.block_on(body(&state, &cookie, uri));
        let rows = page.matches(r#"<tr><td><a href="/alarms/"#).count();
        assert_eq!(rows, 100, "{uri}: a page shows 100 of the {N_ALARMS} alarms");
        eprintln!("{uri}: {rows} rows, {} bytes", page.len());
    }
    let page = runtime.block_on(body(&state, &cookie, &deep));
    assert!(page.contains(&format!("2901–3000 / {N_ALARMS}")), "page 30");
    let mut group = c.benchmark_group("inbox");
    for (name, uri) in [
        ("/healthz", "/healthz"),
        ("/alarms?state=closed", "/alarms?state=closed"),
        ("/alarms", "/alarms"),
        ("/alarms page 30", deep.as_str()),
    ] {
        group.bench_function(name, |b| b.iter(|| runtime.block_on(get(&state, &cookie, uri))));
    }
    group.finish();
}

criterion_group!(benches, inbox);
criterion_main!(benches);
