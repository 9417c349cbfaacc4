//! The plan API in-process, through `tower::ServiceExt::oneshot`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use store::{PlanStore, SqliteStore, Store};
use tower::ServiceExt;

fn state() -> (web::plan::PlanState, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let at = model::BeijingTime::parse_hj212("20260110080000").unwrap().to_instant();
    let state = web::plan::PlanState {
        store: store.clone(),
        plan: Arc::new(plan::Plan::shipped().unwrap()),
        sites: Arc::new(plan::PointSites),
        emissions: Arc::new(web::RegistryEmissions::new(Arc::new(model::time::FixedClock(at)))),
        clock: Arc::new(model::time::FixedClock(at)),
    };
    (state, store)
}

/// Sends `request` and returns the status, content type and body.
async fn check(
    state: &web::plan::PlanState,
    request: Request<Body>,
) -> (StatusCode, String, Vec<u8>) {
    let response = web::plan::routes(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    (status, content_type, bytes.to_vec())
}

async fn get_json(state: &web::plan::PlanState, uri: &str) -> (StatusCode, serde_json::Value) {
    let (status, _, body) = check(state, Request::get(uri).body(Body::empty()).unwrap()).await;
    (status, serde_json::from_slice(&body).unwrap())
}

const BOUNDARY: &str = "qingshan-test-boundary";

/// A multipart POST with text fields and at most one file.
fn post(uri: &str, fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Request<Body> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post(uri)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn the_plan_lists_its_indicators() {
    let (state, _) = state();
    let (status, json) = get_json(&state, "/api/v1/plan").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["plan"]["indicator"].as_array().unwrap().len(), 23);
    assert_eq!(json["plan"]["indicator"][0]["name"]["zh"], "空气质量优良天数比例");
}

#[tokio::test]
async fn an_entered_value_with_evidence_is_judged_audited_and_downloadable() {
    let (state, store) = state();
    let request = post(
        "/api/v1/plan/indicators/9/values",
        &[("year", "2022"), ("value", "37.2"), ("note", "林业统计年报")],
        Some(("evidence", "林业统计.pdf", b"%PDF-1.4 forest")),
    );
    let (status, _, body) = check(&state, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let stored: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(stored["stored"]["version"], 1);
    assert_eq!(stored["stored"]["actor"], "api");
    let document_id = stored["stored"]["document"]["id"].as_i64().unwrap();

    let (status, year) = get_json(&state, "/api/v1/plan/years/2022").await;
    assert_eq!(status, StatusCode::OK);
    let forest = year["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "9").unwrap();
    assert_eq!(forest["status"], "met");
    assert_eq!(forest["value"]["number"], 37.2);
    assert_eq!(forest["evidence"]["entry"]["document"]["file_name"], "林业统计.pdf");
    assert_eq!(year["kind"], "mid_term");

    let (status, content_type, bytes) = check(
        &state,
        Request::get(format!("/api/v1/plan/documents/{document_id}")).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/pdf"));
    assert_eq!(bytes, b"%PDF-1.4 forest");

    let audit = store.audit_entries(5).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].actor.as_str()), ("plan_value_entered", "api"));

    let (status, history) = get_json(&state, "/api/v1/plan/indicators/9/years/2022/history").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_entries_get_a_precise_bilingual_400() {
    let (state, store) = state();
    let cases = [
        (
            post("/api/v1/plan/indicators/1/values", &[("year", "2022"), ("value", "90")], None),
            "computed",
        ),
        (
            post("/api/v1/plan/indicators/9/values", &[("year", "2022")], None),
            "field value is missing",
        ),
        (
            post("/api/v1/plan/indicators/9/values", &[("year", "2022"), ("value", "abc")], None),
            "not a number",
        ),
        (
            post("/api/v1/plan/indicators/9/values", &[("year", "1990"), ("value", "30")], None),
            "year 1990",
        ),
        (post("/api/v1/plan/indicators/19/city-target", &[("value", "13")], None), "document"),
        (
            post(
                "/api/v1/plan/indicators/9/city-target",
                &[("value", "13")],
                Some(("document", "a.pdf", b"a")),
            ),
            "not assigned by the city",
        ),
    ];
    for (request, expected) in cases {
        let (status, _, body) = check(&state, request).await;
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"]["en"].as_str().unwrap().contains(expected), "{json}");
        assert!(json["error"]["zh"].as_str().unwrap().starts_with("请求参数错误"), "{json}");
    }
    assert!(store.plan_values("wutongqiao-2021-2025").unwrap().is_empty());
    let (status, _) = get_json(&state, "/api/v1/plan/indicators/99/years/2022").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_city_target_makes_its_indicator_judgeable() {
    let (state, _) = state();
    let request =
        post("/api/v1/plan/indicators/20/values", &[("year", "2025"), ("value", "19.5")], None);
    assert_eq!(check(&state, request).await.0, StatusCode::OK);
    let (_, before) = get_json(&state, "/api/v1/plan/indicators/20/years/2025").await;
    assert_eq!(
        (before["status"].as_str(), before["reason"].as_str()),
        (Some("no_data"), Some("target_not_set"))
    );
    let request = post(
        "/api/v1/plan/indicators/20/city-target",
        &[("value", "19"), ("note", "市下达")],
        Some(("document", "assignment.pdf", b"%PDF assignment")),
    );
    assert_eq!(check(&state, request).await.0, StatusCode::OK);
    let (_, after) = get_json(&state, "/api/v1/plan/indicators/20/years/2025").await;
    assert_eq!(after["status"], "met");
    assert_eq!(after["city_target"]["document"]["file_name"], "assignment.pdf");
    let (_, history) = get_json(&state, "/api/v1/plan/indicators/20/city-target").await;
    assert_eq!(history["versions"][0]["value"], 19.0);
}

#[tokio::test]
async fn computed_indicators_without_sites_say_so_and_trend_runs_from_the_baseline() {
    let (state, _) = state();
    let (status, json) = get_json(&state, "/api/v1/plan/indicators/4/years/2022").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (json["status"].as_str(), json["reason"].as_str()),
        (Some("no_data"), Some("no_sites"))
    );
    assert_eq!(json["drill_down"]["kind"], "water");
    let (status, trend) = get_json(&state, "/api/v1/plan/indicators/1/trend?to=2022").await;
    assert_eq!(status, StatusCode::OK);
    let years: Vec<i64> =
        trend["points"].as_array().unwrap().iter().map(|p| p["year"].as_i64().unwrap()).collect();
    assert_eq!(years, [2020, 2021, 2022]);
    assert_eq!(trend["points"][0]["value"]["number"], 88.8);
}

#[tokio::test]
async fn reports_download_as_html_and_xlsx() {
    let (state, _) = state();
    let html =
        check(&state, Request::get("/api/v1/plan/reports/2025").body(Body::empty()).unwrap()).await;
    assert_eq!((html.0, html.1.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
    let page = String::from_utf8(html.2).unwrap();
    assert!(page.contains("终期评估") && page.contains("id=\"indicator-21\""));
    let xlsx = check(
        &state,
        Request::get("/api/v1/plan/reports/2022?format=xlsx").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(xlsx.0, StatusCode::OK);
    assert_eq!(xlsx.1, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(xlsx.2.starts_with(b"PK"), "an XLSX is a zip file");
    let bad = check(
        &state,
        Request::get("/api/v1/plan/reports/2022?format=pdf").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
}
