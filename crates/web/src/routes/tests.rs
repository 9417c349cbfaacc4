//! The route table's guard, in-process: the role matrix generated from
//! [`route_table`], enterprise scoping, sessions with CSRF, login throttling,
//! the public portal and exports.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use model::account::{Role, UserName};
use model::time::FixedClock;
use model::{
    BeijingTime, DataKind, Instant, ParamCode, PointId, Reading, ReadingKey, ReadingValues,
};
use serde_json::json;
use store::{
    AccountStore, ChangedBy, DerivedKind, DerivedResult, DerivedStore, IncomingPacket, IngestBatch,
    NewApiToken, NewPoint, NewUser, PointKind, RawPacket, SqliteStore, Store, Verdict,
};
use tower::ServiceExt;

use super::*;
use crate::{WebConfig, WebState};

const PASSWORD: &str = "qingshan-2026!";

struct Fixture {
    state: AppState,
    air: PointId,
    own_outlet: PointId,
    other_outlet: PointId,
}

fn token_of(role: Role) -> String {
    format!("token-of-{}", role.as_str())
}

fn at(text: &str) -> Instant {
    BeijingTime::parse_hj212(text).unwrap().to_instant()
}

/// A store with an air station, a water section and two enterprises' outlets,
/// a token per role (the enterprise's bound to E1), and users with [`PASSWORD`].
fn fixture() -> Fixture {
    let store = SqliteStore::open_in_memory().unwrap();
    let add = |code: &str, kind, enterprise: Option<&str>| {
        store
            .upsert_point(&NewPoint {
                code: code.into(),
                name: format!("{code} 名称"),
                kind,
                enterprise: enterprise.map(str::to_owned),
                simulated: true,
            })
            .unwrap()
    };
    let air = add("AIR-1", PointKind::AirStation, None);
    add("WATER-1", PointKind::SurfaceWater, None);
    let own_outlet = add("FG-1", PointKind::FlueGas, Some("E1"));
    let other_outlet = add("FG-2", PointKind::FlueGas, Some("E2"));
    let now = at("20261110103000");
    let by = ChangedBy { actor: "tests".into(), at: now };
    for role in [Role::Public, Role::Enterprise, Role::Inspector, Role::Analyst, Role::Admin] {
        let enterprise = (role == Role::Enterprise).then(|| "E1".to_owned());
        store
            .create_api_token(
                &NewApiToken {
                    name: role.as_str().into(),
                    token_hash: auth::token_hash(&token_of(role)),
                    role,
                    enterprise: enterprise.clone(),
                },
                &by,
            )
            .unwrap();
        if role != Role::Public {
            store
                .create_user(
                    &NewUser {
                        name: UserName::parse(&format!("u-{}", role.as_str())).unwrap(),
                        role,
                        enterprise,
                        password_hash: auth::hash_password(PASSWORD).unwrap(),
                    },
                    &by,
                )
                .unwrap();
        }
    }
    let result = |kind, point, start: Instant, period: &str, detail| DerivedResult {
        kind,
        point,
        start,
        period: period.into(),
        edition: "HJ 633-2026".into(),
        detail,
        computed_at: now,
    };
    store
        .commit_derived(
            &[
                result(
                    DerivedKind::AirDaily,
                    air,
                    at("20261109000000"),
                    "2026-11-09",
                    json!({"aqi": 114, "level": 3, "level_zh": "三级", "primary": ["PM2.5"],
                           "edition": "HJ 633-2026", "conc": {"PM2.5": 86.0, "PM10": 120.0}}),
                ),
                result(
                    DerivedKind::OutletHourly,
                    own_outlet,
                    at("20261110080000"),
                    "2026-11-10T08:00",
                    json!({"params": {"a21026": {"exceeds": true}, "a21002": {"exceeds": false}}}),
                ),
                result(
                    DerivedKind::AirHourly,
                    air,
                    at("20261110090000"),
                    "2026-11-10T09:00",
                    json!({"aqi": 42, "level": 1, "level_zh": "一级", "primary": []}),
                ),
            ],
            "tests",
            0,
        )
        .unwrap();
    let state = AppState {
        store: Arc::new(store),
        registry: Arc::new(prometheus_client::registry::Registry::default()),
        clock: Arc::new(FixedClock(now)),
        web: Arc::new(WebState::new(
            WebConfig { login_failures_per_account: 3, ..WebConfig::default() },
            auth::Metrics::default(),
        )),
    };
    Fixture { state, air, own_outlet, other_outlet }
}

/// Sends a request; returns status, headers and body text.
async fn check(state: &AppState, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = crate::router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(uri: &str) -> axum::http::request::Builder {
    Request::get(uri)
}

fn bearer(builder: axum::http::request::Builder, role: Role) -> axum::http::request::Builder {
    builder.header(header::AUTHORIZATION, format!("Bearer {}", token_of(role)))
}

/// Who asks in the matrix: anonymous, or a token of each role.
const ASKERS: [Option<Role>; 5] =
    [None, Some(Role::Enterprise), Some(Role::Inspector), Some(Role::Analyst), Some(Role::Admin)];

#[tokio::test]
async fn role_matrix_from_the_route_table() {
    let fixture = fixture();
    let table = route_table();
    assert!(table.len() >= 25, "every route is in the table");
    let mut n_refused = 0;
    for spec in &table {
        let path = spec
            .path
            .replace("{point}", &fixture.own_outlet.0.to_string())
            .replace("{file}", "qingshan.css");
        for asker in ASKERS {
            let mut builder = Request::builder().method(spec.method).uri(&path);
            builder = match asker {
                Some(role) => bearer(builder, role),
                // The login form's double-submit token, so only the role decides.
                None => builder
                    .header(header::COOKIE, "qs_login_csrf=abc")
                    .header("x-csrf-token", "abc"),
            };
            let (status, headers, body) =
                check(&fixture.state, builder.body(Body::empty()).unwrap()).await;
            let location = headers
                .get(header::LOCATION)
                .map_or(String::new(), |value| value.to_str().unwrap().to_owned());
            let role = asker.unwrap_or(Role::Public);
            let context =
                format!("{} {} as {:?}: {status} {body:.200}", spec.method, spec.path, asker);
            if role.allows(spec.min_role) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "allowed but refused: {context}"
                );
            } else {
                n_refused += 1;
                let expected = match asker {
                    Some(_) => StatusCode::FORBIDDEN,
                    None if spec.path.starts_with("/api/") => StatusCode::UNAUTHORIZED,
                    // A browser is sent to the login page.
                    None => StatusCode::SEE_OTHER,
                };
                assert_eq!(status, expected, "{context}");
                if status == StatusCode::SEE_OTHER {
                    assert!(location.starts_with("/login?next="), "{context}: {location}");
                }
            }
        }
    }
    assert!(n_refused >= 15, "the matrix refuses something: {n_refused}");
}

#[tokio::test]
async fn raw_data_is_for_staff_and_public_results_for_everyone() {
    let fixture = fixture();
    let state = &fixture.state;
    let (status, headers, body) =
        check(state, get("/api/v1/raw").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert!(body.contains("请先登录") && body.contains("Please log in"), "{body}");
    let (status, _, body) =
        check(state, bearer(get("/api/v1/devices"), Role::Enterprise).body(Body::empty()).unwrap())
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) =
        check(state, bearer(get("/api/v1/devices"), Role::Inspector).body(Body::empty()).unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    let uri = format!("/api/v1/air/stations/{}/daily?from=2026-11-09&to=2026-11-09", fixture.air.0);
    let (status, _, body) = check(state, get(&uri).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "station AQI is public: {body}");
    let (status, _, _) = check(
        state,
        get("/api/v1/raw")
            .header(header::AUTHORIZATION, "Bearer not-a-token")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a wrong token is not anonymous");
}

#[tokio::test]
async fn enterprise_users_see_only_their_own_points() {
    let fixture = fixture();
    let state = &fixture.state;
    let own = format!("/api/v1/points/{}/readings", fixture.own_outlet.0);
    let other = format!("/api/v1/points/{}/readings", fixture.other_outlet.0);
    let (status, _, _) =
        check(state, bearer(get(&own), Role::Enterprise).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) =
        check(state, bearer(get(&other), Role::Enterprise).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("forbidden_enterprise"), "{body}");
    let (status, _, _) =
        check(state, bearer(get(&other), Role::Inspector).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "staff see every point");
    for uri in [
        format!("/points/{}", fixture.other_outlet.0),
        format!("/api/v1/outlets/{}/exceedance/daily", fixture.other_outlet.0),
    ] {
        let (status, _, _) =
            check(state, bearer(get(&uri), Role::Enterprise).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    let (_, _, body) =
        check(state, bearer(get("/api/v1/points"), Role::Enterprise).body(Body::empty()).unwrap())
            .await;
    let points: serde_json::Value = serde_json::from_str(&body).unwrap();
    let codes: Vec<&str> =
        points.as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["FG-1"]);
    let (_, _, body) =
        check(state, bearer(get("/dashboard"), Role::Enterprise).body(Body::empty()).unwrap())
            .await;
    assert!(body.contains("FG-1 名称") && !body.contains("FG-2 名称"), "{body}");
}

/// Logs in through the form; returns the session cookie (`qs_session=…`).
async fn log_in(
    state: &AppState,
    name: &str,
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let form = format!("name={name}&password={password}&csrf=tok&next=%2Fdashboard");
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "qs_login_csrf=tok")
        .body(Body::from(form))
        .unwrap();
    let (status, headers, body) = check(state, request).await;
    let cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("qs_session="))
        .map(|value| value.split(';').next().unwrap().to_owned());
    (status, cookie, body)
}

fn csrf_in(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn sessions_log_in_check_csrf_and_log_out_with_audit() {
    let fixture = fixture();
    let state = &fixture.state;
    let (status, cookie, _) = log_in(state, "u-analyst", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap();
    let (_, headers, _) = {
        let request = Request::post("/login")
            .header(header::COOKIE, "qs_login_csrf=tok")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("name=u-admin&password={PASSWORD}&csrf=tok")))
            .unwrap();
        check(state, request).await
    };
    let set_cookie = headers[header::SET_COOKIE].to_str().unwrap();
    // Logged in, the login form still works (to change user).
    let relogin = Request::post("/login")
        .header(header::COOKIE, format!("{cookie}; qs_login_csrf=tok2"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name=u-inspector&password={PASSWORD}&csrf=tok2")))
        .unwrap();
    assert_eq!(check(state, relogin).await.0, StatusCode::SEE_OTHER);
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");

    let (status, _, page) = check(
        state,
        get("/dashboard").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("u-analyst"), "the header names the user");
    let csrf = csrf_in(&page);

    let logout = |csrf: &str| {
        Request::post("/logout")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap()
    };
    let (status, _, body) = check(state, logout("forged")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a forged CSRF token is refused");
    assert!(body.contains("表单已过期"), "{body}");
    let (status, _, _) = check(state, logout(&csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, headers, _) = check(
        state,
        get("/dashboard?date=2026-11-10")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the session ended");
    assert_eq!(
        headers[header::LOCATION],
        "/login?next=%2Fdashboard%3Fdate%3D2026-11-10",
        "a browser goes to the login page, and back here after it"
    );
    let (_, _, page) = check(
        state,
        get("/login?next=%2Fdashboard%3Fdate%3D2026-11-10").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(
        page.contains(r#"name="next" value="/dashboard?date=2026-11-10""#),
        "the login form carries the return address: {page}"
    );

    let actions: Vec<String> =
        state.store.audit_entries(10).unwrap().into_iter().map(|entry| entry.action).collect();
    assert_eq!(&actions[..4], ["logout", "login", "login", "login"]);
}

#[tokio::test]
async fn login_without_the_form_token_is_refused() {
    let fixture = fixture();
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name=u-admin&password={PASSWORD}&csrf=tok")))
        .unwrap();
    let (status, headers, _) = check(&fixture.state, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn failed_logins_are_audited_then_throttled_with_the_wait() {
    let fixture = fixture();
    let state = &fixture.state;
    for _ in 0..3 {
        let (status, cookie, body) = log_in(state, "u-admin", "wrong-password-1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(cookie.is_none());
        assert!(body.contains("用户名或密码错误"), "{body}");
    }
    let (status, cookie, body) = log_in(state, "u-admin", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right password, while locked");
    assert!(cookie.is_none());
    assert!(body.contains("该账号登录失败次数过多") && body.contains("15 分钟后再试"), "{body}");
    let (status, _, _) = log_in(state, "u-analyst", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "other accounts are not locked");
    let entries = state.store.audit_entries(10).unwrap();
    assert_eq!(entries.iter().filter(|entry| entry.action == "login_failed").count(), 3);
    let mut registry = prometheus_client::registry::Registry::default();
    let metrics = auth::Metrics::register(&mut registry);
    metrics.login(auth::LoginOutcome::ThrottledAccount);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert!(text.contains(r#"qingshan_web_logins_total{outcome="throttled_account"} 1"#), "{text}");
}

#[tokio::test]
async fn the_daily_report_is_published_once_the_day_is_over() {
    let fixture = fixture();
    let state = &fixture.state;
    let (status, _, page) =
        check(state, get("/public/air/daily").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "yesterday by default, without login");
    assert!(page.contains("2026年11月9日"), "Chinese date");
    assert!(page.contains("114") && page.contains("轻度污染") && page.contains("PM2.5"));
    assert!(page.contains("#FF7E00"), "HJ 633 orange for level 3");
    assert!(page.contains("儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"));
    assert!(page.contains("全区"), "a district row");
    let (status, _, page) =
        check(state, get("/public/air/daily?date=2026-11-10").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "today is not over");
    assert!(page.contains("尚未发布"));
    let (status, headers, page) =
        check(state, get("/public/air/daily?date=2026-11-09&lang=en").body(Body::empty()).unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Lightly polluted") && page.contains("Daily air quality report"),
        "English"
    );
    assert!(headers[header::SET_COOKIE].to_str().unwrap().starts_with("qs_lang=en"));
    let (_, _, page) = check(
        state,
        get("/public/air/daily?date=2026-11-09")
            .header(header::COOKIE, "qs_lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(page.contains("Lightly polluted"), "the cookie keeps the language");
    let (status, _, page) =
        check(state, get("/public/air/daily?date=2026-13-01").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("不是有效日期"));
}

#[tokio::test]
async fn public_pages_render_without_login() {
    let fixture = fixture();
    for uri in
        ["/", "/public/air/hourly", "/public/water/monthly", "/login", "/static/qingshan.css"]
    {
        let (status, _, body) = check(&fixture.state, get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body:.300}");
    }
    let (_, _, page) = check(&fixture.state, get("/").body(Body::empty()).unwrap()).await;
    assert!(page.contains("AIR-1 名称") && page.contains("#00E400"), "latest hourly AQI 42, green");
}

#[tokio::test]
async fn assets_are_cached_and_revalidated() {
    let fixture = fixture();
    let (status, headers, _) =
        check(&fixture.state, get("/static/qingshan.js").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=3600");
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    let (status, _, _) = check(
        &fixture.state,
        get("/static/qingshan.js")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, _, _) =
        check(&fixture.state, get("/static/nope.css").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn page_tables_export_as_csv_and_xlsx() {
    let fixture = fixture();
    let (status, headers, csv) = check(
        &fixture.state,
        get("/public/air/daily?date=2026-11-09&format=csv&table=daily")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("aqi-daily-2026-11-09-daily.csv")
    );
    assert!(csv.starts_with('\u{feff}'), "a BOM for spreadsheet programs");
    assert!(csv.contains("AIR-1 名称,114,三级,轻度污染,PM2.5"), "{csv}");
    let response = crate::router(fixture.state.clone())
        .oneshot(
            get("/public/air/daily?date=2026-11-09&format=xlsx&table=daily")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip");
}

/// Stores `n_times` minute readings of 3 parameters for `point`.
fn store_minutes(store: &dyn Store, point: PointId, n_times: i64) {
    let start = at("20260101000000");
    let params = ["a21026", "a21002", "a34013"].map(|code| ParamCode::parse(code).unwrap());
    for chunk in (0..n_times).collect::<Vec<_>>().chunks(5_000) {
        let readings: Vec<Reading> = chunk
            .iter()
            .flat_map(|minute| {
                params.iter().map(move |param| Reading {
                    key: ReadingKey {
                        point,
                        param: param.clone(),
                        kind: DataKind::Minute,
                        data_time: Instant(start.0 + chrono::Duration::minutes(*minute)),
                    },
                    values: ReadingValues {
                        avg: Some(*minute as f64),
                        flag: Some("N".into()),
                        ..Default::default()
                    },
                })
            })
            .collect();
        let raw = RawPacket {
            bytes: b"##".to_vec(),
            received_at: start,
            peer: "test".into(),
            mn: None,
            device: None,
            cn: Some(2051),
            verdict: Verdict::Accepted,
            deviations: vec![],
        };
        store
            .commit_batch(&IngestBatch {
                packets: vec![IncomingPacket { raw, readings }],
                ..Default::default()
            })
            .unwrap();
    }
}

#[tokio::test]
async fn a_large_readings_export_streams_every_row_once() {
    let fixture = fixture();
    let point = fixture.own_outlet;
    // 40,000 minutes × 3 parameters: 120,000 readings, twelve store pages.
    store_minutes(fixture.state.store.as_ref(), point, 40_000);
    let uri =
        format!("/points/{}/export?kind=minute&from=2026-01-01&to=2026-12-31&format=csv", point.0);
    let response = crate::router(fixture.state.clone())
        .oneshot(bearer(get(&uri), Role::Analyst).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::CONTENT_LENGTH).is_none(), "streamed, not buffered");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 120_000, "a header and every reading");
    let distinct: std::collections::HashSet<&str> = lines.iter().copied().collect();
    assert_eq!(distinct.len(), lines.len(), "no reading twice across pages");
    assert!(lines[1].contains("2026-01-01 00:00:00"));
    let entry = &fixture.state.store.audit_entries(1).unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.actor.as_str()), ("export", "token:4"));
}

#[tokio::test]
async fn point_pages_show_the_verdicts_and_the_dashboard_the_outlets_in_exceedance() {
    let fixture = fixture();
    let uri = format!("/points/{}?kind=hour&from=2026-11-10&to=2026-11-10", fixture.own_outlet.0);
    let (status, _, page) =
        check(&fixture.state, bearer(get(&uri), Role::Enterprise).body(Body::empty()).unwrap())
            .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("超标 a21026") && page.contains("2026-11-10T08:00"), "{page}");
    let (_, _, page) = check(
        &fixture.state,
        bearer(get("/dashboard"), Role::Inspector).body(Body::empty()).unwrap(),
    )
    .await;
    assert!(page.contains("FG-1 名称") && page.contains("(a21026)"), "{page}");
    let (status, _, page) = check(
        &fixture.state,
        bearer(get(&format!("/points/{}?kind=week", fixture.own_outlet.0)), Role::Inspector)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("realtime、minute、hour 或 day"), "{page}");
}

#[tokio::test]
async fn latest_values_are_one_query_filtered_to_what_the_asker_may_see() {
    let fixture = fixture();
    store_minutes(fixture.state.store.as_ref(), fixture.own_outlet, 3);
    store_minutes(fixture.state.store.as_ref(), fixture.other_outlet, 5);
    let latest = |role| {
        let state = fixture.state.clone();
        async move {
            let (status, _, body) = check(
                &state,
                bearer(get("/api/v1/latest?kind=minute"), role).body(Body::empty()).unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        }
    };
    let staff = latest(Role::Inspector).await;
    assert_eq!(staff["count"], 6, "3 parameters of 2 points");
    assert_eq!(staff["latest"][0]["Avg"], 2.0, "the last of minutes 0..3");
    let enterprise = latest(Role::Enterprise).await;
    assert_eq!(enterprise["count"], 3);
    assert!(
        enterprise["latest"].as_array().unwrap().iter().all(|r| r["point"] == fixture.own_outlet.0)
    );
}

#[tokio::test]
async fn point_pages_compare_with_the_previous_period() {
    let fixture = fixture();
    // Two Beijing days of minutes (from 2026-01-01 00:00).
    store_minutes(fixture.state.store.as_ref(), fixture.own_outlet, 2 * 1440);
    let page = |query: &str| {
        let uri = format!(
            "/points/{}?kind=minute&from=2026-01-02&to=2026-01-02{query}",
            fixture.own_outlet.0
        );
        let state = fixture.state.clone();
        async move {
            let (status, _, page) =
                check(&state, bearer(get(&uri), Role::Analyst).body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK);
            page
        }
    };
    let plain = page("").await;
    assert!(!plain.contains("line previous"));
    let compared = page("&compare=1").await;
    assert_eq!(compared.matches(r#"class="line previous""#).count(), 3, "one per parameter");
    assert!(compared.contains(r#"name="compare" value="1" checked"#));
}

#[tokio::test]
async fn the_plan_routes_sit_behind_the_guard_with_their_roles() {
    let fixture = fixture();
    // Stand-ins for the plan's handlers: only the guard is under test here.
    let plan = Router::new()
        .route("/api/v1/plan/years/{year}", axum::routing::get(|| async { "year" }))
        .route("/api/v1/plan/indicators/{id}/values", post(|| async { "entered" }))
        .route("/api/v1/plan/documents/{document}", axum::routing::get(|| async { "document" }));
    let app = guard_plan_routes(&fixture.state, plan);
    let send = |request: Request<Body>| {
        let app = app.clone();
        async move { app.oneshot(request).await.unwrap().status() }
    };
    assert_eq!(
        send(get("/api/v1/plan/years/2022").body(Body::empty()).unwrap()).await,
        StatusCode::OK
    );
    let enter = |role: Option<Role>| {
        let builder = Request::post("/api/v1/plan/indicators/9/values");
        match role {
            Some(role) => bearer(builder, role),
            None => builder,
        }
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(Body::from("--x--"))
        .unwrap()
    };
    assert_eq!(send(enter(None)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(send(enter(Some(Role::Inspector))).await, StatusCode::FORBIDDEN);
    assert_eq!(send(enter(Some(Role::Analyst))).await, StatusCode::OK);
    let document =
        |role| bearer(get("/api/v1/plan/documents/1"), role).body(Body::empty()).unwrap();
    assert_eq!(send(document(Role::Enterprise)).await, StatusCode::FORBIDDEN);
    assert_eq!(send(document(Role::Inspector)).await, StatusCode::OK);
    assert_eq!(plan_route_role(&Method::GET, "/api/v1/plan/reports/2025"), Role::Public);
}

#[tokio::test]
async fn an_upload_forms_csrf_field_is_read_from_its_multipart_body() {
    let body = Bytes::from_static(b"--xyz\r\nContent-Disposition: form-data; name=\"csrf\"; filename=\"csrf\"\r\n\r\nnot-this\r\n--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n--x\r\n--xyz\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\ntok-1\r\n--xyz--\r\n");
    let field = |content_type: &'static str, body: Bytes, name: &'static str| {
        super::upload_field(content_type, body, name)
    };
    assert_eq!(
        field("multipart/form-data; boundary=\"xyz\"", body.clone(), "csrf").await.as_deref(),
        Some("tok-1"),
        "a file named csrf is not the token; the text field is"
    );
    assert_eq!(field("multipart/form-data; boundary=xyz", body.clone(), "other").await, None);
    assert_eq!(field("multipart/form-data", body, "csrf").await, None, "no boundary");
    assert_eq!(
        field("multipart/form-data; boundary=xyz", Bytes::from_static(b"junk"), "csrf").await,
        None
    );
}

#[tokio::test]
async fn the_public_water_page_shows_each_sections_target_and_whether_it_is_met() {
    let fixture = fixture();
    let store = fixture.state.store.clone();
    let water = store.points().unwrap().into_iter().find(|p| p.point.code == "WATER-1").unwrap();
    store
        .commit_derived(
            &[DerivedResult {
                kind: DerivedKind::WaterMonthly,
                point: water.id,
                start: at("20261001000000"),
                period: "2026-10".into(),
                edition: "GB 3838-2002".into(),
                detail: json!({"class": "III", "status_zh": "良好", "main_pollutants": [],
                               "target": "II", "target_zh": "Ⅱ类", "meets_target": false}),
                computed_at: at("20261101000000"),
            }],
            "tests",
            0,
        )
        .unwrap();
    let page = |uri: &str| {
        let state = fixture.state.clone();
        let uri = uri.to_owned();
        async move { check(&state, get(&uri).body(Body::empty()).unwrap()).await.2 }
    };
    let zh = page("/public/water/monthly?month=2026-10").await;
    let row = zh.split("WATER-1 名称").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("Ⅱ类") && row.contains("未达标"), "{row}");
    assert!(zh.contains("水质目标") && zh.contains("是否达标"));
    let en = page("/public/water/monthly?month=2026-10&lang=en").await;
    let row = en.split("WATER-1 名称").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains(">II<") && row.contains(">No<"), "{row}");
}
