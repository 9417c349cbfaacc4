//! The plan indicator page's entry form: analysts enter a value with its
//! source note and evidence, validated like the API, refusals next to their
//! fields, saved as the signed-in user; nobody else gets the form.

use axum::http::StatusCode;
use model::account::Role;

use crate::util::{Browser, File, element, get, post_upload, send, sign_in, state};

/// Posts the entry form of indicator `id` as `browser`; returns the status, `Location` and page.
async fn check(
    state: &web::AppState,
    browser: &Browser,
    id: &str,
    fields: &[(&str, &str)],
    files: &[File<'_>],
) -> (StatusCode, String, String) {
    let uri = format!("/plan/indicators/{id}");
    send(state, post_upload(&uri, browser, &browser.csrf, fields, files)).await
}

fn versions(state: &web::AppState, id: &str, year: i32) -> Vec<store::PlanValue> {
    state.store.plan_value_history("wutongqiao-2021-2025", id, year).unwrap()
}

#[tokio::test]
async fn only_an_analyst_gets_the_form_and_only_on_an_entered_indicator() {
    let state = state();
    let inspector = sign_in(&state, "insp", Role::Inspector);
    let analyst = sign_in(&state, "ana", Role::Analyst);
    let (status, _, page) = send(&state, get("/plan/indicators/9?year=2024", None)).await;
    assert_eq!(status, StatusCode::OK, "{page:.300}");
    assert!(!page.contains("plan-entry-form"), "the public sees no form");
    let (_, _, page) = send(&state, get("/plan/indicators/9?year=2024", Some(&inspector))).await;
    assert!(!page.contains("plan-entry-form"), "an inspector sees no form");
    let (_, _, page) = send(&state, get("/plan/indicators/9?year=2024", Some(&analyst))).await;
    let form = element(&page, "form", "plan-entry-form");
    assert!(form.contains(r#"enctype="multipart/form-data""#), "{form}");
    assert!(form.contains(r#"<option value="2024" selected>"#), "the page's year: {form}");
    assert!(form.contains(r#"type="file""#) && form.contains(r#"value="csrf-of-ana""#), "{form}");
    let (_, _, page) = send(&state, get("/plan/indicators/1?year=2024", Some(&analyst))).await;
    assert!(!page.contains("plan-entry-form"), "indicator 1 is computed from monitoring data");
}

#[tokio::test]
async fn a_saved_value_shows_on_the_page_with_its_evidence_and_is_audited_as_the_user() {
    let state = state();
    let analyst = sign_in(&state, "ana", Role::Analyst);
    let (status, location, page) = check(
        &state,
        &analyst,
        "9",
        &[("year", "2024"), ("value", "37.6"), ("note", "林业统计年报 2024")],
        &[("evidence", "forest.pdf", "application/pdf", b"%PDF-1.4 forest")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/plan/indicators/9?year=2024"),
        "{page}"
    );
    let stored = versions(&state, "9", 2024);
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].value, stored[0].actor.as_str()), (37.6, "ana"));
    let document = stored[0].document.as_ref().unwrap();
    assert_eq!((document.file_name.as_str(), document.n_bytes), ("forest.pdf", 15));
    let audit = state.store.audit_entries(1).unwrap();
    assert_eq!(audit[0].actor, "ana", "{audit:?}");
    let (_, _, page) = send(&state, get(&location, Some(&analyst))).await;
    let facts = element(&page, "dl", "indicator-facts");
    assert!(facts.contains("37.6") && facts.contains("已达标"), "37.6 ≥ 36.9: {facts}");
    let table = element(&page, "table", "table-entered-values");
    assert!(table.contains("林业统计年报 2024") && table.contains("ana"), "{table}");
    assert!(
        table.contains(&format!(r#"href="/api/v1/plan/documents/{}""#, document.id)),
        "{table}"
    );
    let (_, _, page) = send(&state, get(&location, None)).await;
    assert!(element(&page, "dl", "indicator-facts").contains("37.6"), "the public sees the value");
    assert!(!page.contains("entered-values"), "but not who entered it");

    // A second save without a file (an empty file field) is version 2, without a document.
    let (status, _, _) = check(
        &state,
        &analyst,
        "9",
        &[("year", "2024"), ("value", "37.8"), ("note", "更正")],
        &[("evidence", "", "application/octet-stream", b"")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let stored = versions(&state, "9", 2024);
    assert_eq!((stored.len(), stored[1].version, stored[1].document.is_none()), (2, 2, true));
}

#[tokio::test]
async fn refusals_appear_next_to_their_fields_and_store_nothing() {
    let state = state();
    let analyst = sign_in(&state, "ana", Role::Analyst);
    // (year, value, the refused field's message id, its message)
    let cases = [
        ("2024", "很多", "error-value", "请填写一个数字"),
        ("2024", "120", "error-value", "百分比应在 -100 到 100 之间"),
        ("2040", "37", "error-year", "年份超出可填报范围 2020–2035"),
        ("", "37", "error-year", "请选择年份"),
    ];
    for (year, value, error_id, message) in cases {
        let fields = [("year", year), ("value", value)];
        let (status, _, page) = check(&state, &analyst, "9", &fields, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {page:.300}");
        let error = element(&page, "span", error_id);
        assert!(error.contains(message), "{fields:?}: {error:?}");
        let form = element(&page, "form", "plan-entry-form");
        assert!(form.contains(&format!(r#"value="{}""#, fields[1].1)), "the value is kept: {form}");
    }
    let (status, _, page) = check(
        &state,
        &analyst,
        "9",
        &[("year", "2024"), ("value", "37")],
        &[("evidence", "empty.pdf", "application/pdf", b"")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(element(&page, "span", "error-evidence").contains("证明文件是空的"), "{page}");
    let (status, _, page) =
        check(&state, &analyst, "1", &[("year", "2024"), ("value", "80")], &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page:.300}");
    assert!(page.contains("该指标由监测数据自动计算，不能填报"), "{page}");
    let (status, _, _) =
        check(&state, &analyst, "99", &[("year", "2024"), ("value", "1")], &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(versions(&state, "9", 2024).is_empty() && versions(&state, "1", 2024).is_empty());
}

#[tokio::test]
async fn an_upload_needs_the_sessions_csrf_token_and_an_analyst() {
    let state = state();
    let analyst = sign_in(&state, "ana", Role::Analyst);
    let inspector = sign_in(&state, "insp", Role::Inspector);
    let fields = [("year", "2024"), ("value", "37")];
    let uri = "/plan/indicators/9";
    let (status, _, _) = send(&state, post_upload(uri, &analyst, "forged", &fields, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a wrong CSRF token in the multipart body");
    let (status, _, _) =
        send(&state, post_upload(uri, &inspector, &inspector.csrf, &fields, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "inspectors do not enter values");
    let anonymous = Browser { cookie: String::new(), csrf: String::new() };
    let (status, location, _) = send(&state, post_upload(uri, &anonymous, "", &fields, &[])).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/login?next=%2Fdashboard"));
    assert!(versions(&state, "9", 2024).is_empty());
}
