//! The inbox lists up to 500 alarms 100 a page (it rendered them all on
//! every request, the cause of its slowness), with links to the other pages
//! that keep the filters; the export still has every listed alarm.

use axum::http::StatusCode;

use crate::util::{Browser, element, get, inbox, inbox_assigned, send};

/// The inbox at `query` as `browser`: the status, the alarm ids listed and the pager.
async fn check(
    state: &web::AppState,
    browser: &Browser,
    query: &str,
) -> (StatusCode, Vec<i64>, String) {
    let (status, _, page) = send(state, get(&format!("/alarms{query}"), Some(browser))).await;
    let table = element(&page, "table", "table-alarms");
    let ids = table
        .split(r#"<tr><td><a href="/alarms/"#)
        .skip(1)
        .map(|row| row.split('"').next().unwrap().parse().unwrap())
        .collect();
    (status, ids, element(&page, "nav", "inbox-pager").to_owned())
}

#[tokio::test]
async fn the_inbox_shows_a_hundred_alarms_a_page_and_keeps_its_filters() {
    let (state, inspector) = inbox(250);
    let (status, ids, pager) = check(&state, &inspector, "?scope=all&state=open").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids, (151..=250).rev().collect::<Vec<i64>>(), "the newest hundred first");
    assert!(pager.contains("显示第 1–100 / 250"), "{pager}");
    assert!(
        pager.contains(r#"href="/alarms?scope=all&amp;state=open&amp;page=2" id="inbox-next""#),
        "{pager}"
    );
    assert!(!pager.contains("inbox-previous"), "{pager}");
    let (_, ids, pager) = check(&state, &inspector, "?scope=all&state=open&page=3").await;
    assert_eq!(ids, (1..=50).rev().collect::<Vec<i64>>());
    assert!(
        pager.contains("显示第 201–250 / 250") && pager.contains("page=2\" id=\"inbox-previous\""),
        "{pager}"
    );
    assert!(!pager.contains("inbox-next"), "{pager}");
    for bad in ["0", "4", "x"] {
        let (status, _, _) = check(&state, &inspector, &format!("?page={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={bad}");
    }
    let (status, _, csv) = send(&state, get("/alarms?format=csv", Some(&inspector))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 1 + 250, "the export lists every alarm, not one page");
}

#[tokio::test]
async fn a_short_inbox_has_one_page_and_no_links() {
    let (state, inspector) = inbox(3);
    let (status, ids, pager) = check(&state, &inspector, "").await;
    assert_eq!((status, ids), (StatusCode::OK, vec![3, 2, 1]));
    assert!(pager.contains("显示第 1–3 / 3") && !pager.contains("<a "), "{pager}");
}

#[tokio::test]
async fn the_inbox_names_each_rule_in_the_pages_language() {
    let (state, inspector) = inbox(1);
    let (_, _, page) = send(&state, get("/alarms?scope=all", Some(&inspector))).await;
    let table = element(&page, "table", "table-alarms");
    assert!(table.contains("小时均值超标"), "{table}");
    let (_, _, page) = send(&state, get("/alarms?scope=all&lang=en", Some(&inspector))).await;
    let table = element(&page, "table", "table-alarms");
    assert!(table.contains("Hourly mean over standard"), "{table}");
    assert!(!table.contains("exceedance"), "the English name, not the rule code: {table}");
}

#[tokio::test]
async fn my_alarm_is_listed_however_many_newer_alarms_are_assigned_to_others() {
    let mut assignees = vec![Some("insp")];
    assignees.extend(std::iter::repeat_n(Some("someone.else"), 510));
    let (state, inspector) = inbox_assigned(&assignees);
    let (status, ids, pager) = check(&state, &inspector, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids, vec![1], "mine, although 510 newer ones are someone else's: {pager}");
    let (_, ids, _) = check(&state, &inspector, "?scope=all").await;
    assert_eq!(ids.len(), 100, "every alarm under scope=all, a page of them");
}
