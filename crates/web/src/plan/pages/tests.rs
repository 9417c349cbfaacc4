//! The plan's pages in-process, on the shipped plan: the public overview of
//! every indicator, one indicator's trend and facts, and precise refusals.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use model::time::FixedClock;
use store::conformance::fixture::at;
use store::{NewPlanValue, SqliteStore, Store};

use crate::testing::{get_page, send};
use crate::{AppState, WebState};

/// The shipped plan on an empty store (clock 2026-11-18), with indicator 9
/// entered for 2022 and 2023.
fn state() -> AppState {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    let plan = Arc::new(plan::Plan::shipped().unwrap());
    for (year, value) in [(2022, 30.5), (2023, 37.2)] {
        let entry = NewPlanValue {
            plan: plan.id.clone(),
            indicator: "9".into(),
            year,
            value,
            note: String::new(),
            document: None,
        };
        plan::entry::enter_value(store.as_ref(), &plan, &entry, "ana", at(0)).unwrap();
    }
    let clock = Arc::new(FixedClock(at(0)));
    let plan_state = crate::plan::PlanState {
        store: store.clone(),
        plan,
        sites: Arc::new(plan::PointSites),
        clock: clock.clone(),
        emissions: Arc::new(crate::RegistryEmissions::new(clock.clone())),
    };
    AppState {
        store,
        registry: Arc::default(),
        clock,
        web: Arc::new(WebState::default().with_plan(plan_state)),
    }
}

/// The page at `uri`, anonymously.
async fn check(state: &AppState, uri: &str) -> (StatusCode, String) {
    let (status, _, page) = send(state, get_page(uri, "")).await;
    (status, page)
}

#[tokio::test]
async fn the_public_sees_every_indicator_with_its_status_and_the_reports() {
    let state = state();
    let (status, page) = check(&state, "/plan?year=2023").await;
    assert_eq!(status, StatusCode::OK, "{page:.500}");
    assert_eq!(
        page.matches(r#"<tr><td><a href="/plan/indicators/"#).count(),
        23,
        "21 indicators, 16 in 3 parts"
    );
    assert!(
        page.contains("37.2") && page.contains("已达标"),
        "indicator 9 entered, 37.2 ≥ 36.9: {page}"
    );
    assert!(page.contains("无数据"), "no monitoring data: no data");
    assert!(
        page.contains(r#"href="/api/v1/plan/reports/2023?format=xlsx""#),
        "the report download"
    );
    let (_, page) = check(&state, "/plan").await;
    assert!(
        page.contains(r#"<option value="2025" selected>"#),
        "2026 is past the plan: its last year"
    );
    let (status, page) = check(&state, "/plan?year=2019").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page:.300}");
    let (status, page) = check(&state, "/plan?year=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("不是年份"));
    let (_, page) = check(&state, "/plan?year=2023&lang=en").await;
    assert!(page.contains("met") && page.contains("Assessment report"), "English");
    let (status, csv) = check(&state, "/plan?year=2023&format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.lines().count() == 24, "a header and 23 rows: {csv}");
}

#[tokio::test]
async fn an_indicator_page_draws_its_trend_and_lists_its_years() {
    let state = state();
    let (status, page) = check(&state, "/plan/indicators/9?year=2023").await;
    assert_eq!(status, StatusCode::OK, "{page:.500}");
    assert!(page.contains("<svg") && page.contains(r#"class="line""#), "an SVG trend line");
    assert!(page.contains("<td>2022</td><td class=\"num\">30.5</td>"), "{page}");
    assert!(page.contains("ana"), "the evidence names who entered it");
    assert!(!page.contains("/history"), "the entry history is for staff");
    let (status, page) = check(&state, "/plan/indicators/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("没有该指标"));
    let (status, _) = check(&state, "/plan/indicators/1?year=2023").await;
    assert_eq!(status, StatusCode::OK, "a computed indicator without data still renders");
}

#[tokio::test]
async fn without_a_plan_the_pages_say_so() {
    let state = AppState { web: Arc::default(), ..state() };
    let (status, page) = check(&state, "/plan").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("本服务器未加载规划"));
}
