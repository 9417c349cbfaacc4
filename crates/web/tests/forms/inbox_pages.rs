//! The inbox pages through every alarm 100 at a time (newest opened first,
//! then id), with first/previous/next links that carry a cursor and keep the
//! filters; the export streams every matching alarm, not one page.

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
    let pager = if status == StatusCode::OK { element(&page, "nav", "inbox-pager") } else { &page };
    (status, ids, pager.to_owned())
}

/// The target of the pager's link `id` ("" if there is none), unescaped.
fn link(pager: &str, id: &str) -> String {
    let Some(end) = pager.find(&format!(r#"" id="{id}""#)) else { return String::new() };
    let start = pager[..end].rfind(r#"href=""#).unwrap() + r#"href=""#.len();
    pager[start..end].replace("&amp;", "&")
}

/// Follows the "next" links from `/alarms{query}`: the ids of every page, in order, and each pager.
async fn walk(
    state: &web::AppState,
    browser: &Browser,
    query: &str,
) -> (Vec<Vec<i64>>, Vec<String>) {
    let (mut pages, mut pagers) = (Vec::new(), Vec::new());
    let mut uri = format!("/alarms{query}");
    loop {
        let (status, ids, pager) = check(state, browser, uri.trim_start_matches("/alarms")).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {pager}");
        let next = link(&pager, "inbox-next");
        pages.push(ids);
        pagers.push(pager);
        if next.is_empty() {
            return (pages, pagers);
        }
        assert!(pages.len() < 100, "the links never end");
        uri = next;
    }
}

#[tokio::test]
async fn the_inbox_shows_a_hundred_alarms_a_page_and_keeps_its_filters() {
    let (state, inspector) = inbox(250);
    let (pages, pagers) = walk(&state, &inspector, "?scope=all&state=open").await;
    let expected: Vec<Vec<i64>> =
        vec![(151..=250).rev().collect(), (51..=150).rev().collect(), (1..=50).rev().collect()];
    assert_eq!(pages, expected, "the newest hundred first, then the next, then the rest");
    assert!(pagers[0].contains("显示第 1–100 / 250"), "{}", pagers[0]);
    assert!(pagers[1].contains("显示第 101–200 / 250"), "{}", pagers[1]);
    assert!(pagers[2].contains("显示第 201–250 / 250"), "{}", pagers[2]);
    let next = link(&pagers[0], "inbox-next");
    assert!(next.starts_with("/alarms?scope=all&state=open&after="), "the filters kept: {next}");
    assert!(!pagers[0].contains("inbox-previous") && !pagers[0].contains("inbox-first"));
    assert_eq!(link(&pagers[2], "inbox-first"), "/alarms?scope=all&state=open");
    assert!(pagers[2].contains("第一页") && pagers[2].contains("上一页"), "{}", pagers[2]);
    // Previous from the last page is the second page, and from there the first.
    let previous = link(&pagers[2], "inbox-previous");
    let (_, ids, pager) = check(&state, &inspector, previous.trim_start_matches("/alarms")).await;
    assert_eq!(ids, expected[1]);
    assert!(pager.contains("显示第 101–200 / 250"), "{pager}");
    let previous = link(&pager, "inbox-previous");
    let (_, ids, pager) = check(&state, &inspector, previous.trim_start_matches("/alarms")).await;
    assert_eq!(ids, expected[0]);
    assert!(!pager.contains("inbox-previous"), "back on the first page: {pager}");
    // The links in English.
    let (_, _, pager) = check(&state, &inspector, &format!("{}&lang=en", &next[7..])).await;
    assert!(pager.contains("First page") && pager.contains("Previous page"), "{pager}");
    assert!(pager.contains("Next page"), "{pager}");
    let (status, _, csv) = send(&state, get("/alarms?format=csv", Some(&inspector))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 1 + 250, "the export lists every alarm, not one page");
}

/// 1,250 alarms: every third assigned to someone else, every tenth closed.
fn backlog() -> (web::AppState, Browser) {
    let assignees: Vec<Option<&str>> = (1..=1250)
        .map(|id| match id % 3 {
            0 => Some("someone.else"),
            1 => Some("insp"),
            _ => None,
        })
        .collect();
    let (state, inspector) = inbox_assigned(&assignees);
    for id in (10..=1250).step_by(10) {
        state
            .store
            .close_alarm(model::alarm::AlarmId(id), "insp", crate::util::now(), "已处理", None)
            .unwrap();
    }
    (state, inspector)
}

#[tokio::test]
async fn paging_reaches_the_oldest_of_1250_alarms_each_once_with_the_filters() {
    let (state, inspector) = backlog();
    let (pages, pagers) = walk(&state, &inspector, "?scope=all&state=").await;
    let ids: Vec<i64> = pages.concat();
    let active: Vec<i64> = (1..=1250).rev().filter(|id| id % 10 != 0).collect();
    assert_eq!(pages.len(), 12, "1,125 active alarms, 100 a page");
    assert_eq!(ids, active, "each active alarm once, newest first, down to the oldest (#1)");
    assert!(pagers[11].contains("显示第 1101–1125 / 1125"), "{}", pagers[11]);

    // "Mine" on every page: nothing assigned to someone else, down to the oldest.
    let (pages, pagers) = walk(&state, &inspector, "").await;
    let mine: Vec<i64> = active.iter().copied().filter(|id| id % 3 != 0).collect();
    assert_eq!(pages.concat(), mine, "mine and unassigned, each once");
    assert_eq!(pages.len(), mine.len().div_ceil(100));
    assert!(pagers.last().unwrap().contains(&format!("/ {}", mine.len())));

    // A state on deep pages: only closed ones, oldest included.
    let (pages, pagers) = walk(&state, &inspector, "?scope=all&state=closed").await;
    let closed: Vec<i64> = (1..=125).rev().map(|n| n * 10).collect();
    assert_eq!(pages.concat(), closed);
    assert!(pagers[1].contains("显示第 101–125 / 125"), "{}", pagers[1]);
}

#[tokio::test]
async fn an_alarm_opened_while_paging_is_not_repeated_on_later_pages() {
    let (state, inspector) = inbox(250);
    let (_, first, pager) = check(&state, &inspector, "?scope=all").await;
    let next = link(&pager, "inbox-next");
    // A new alarm arrives (opened now, newest of all) before the next page is asked for.
    let point = state.store.points().unwrap()[0].id;
    let opened = state
        .store
        .record_alarm_pass(&store::AlarmPass {
            at: crate::util::now(),
            actor: "system:alarms",
            findings: &[store::Finding {
                key: model::alarm::AlarmKey {
                    point,
                    rule: model::alarm::Rule::Exceedance,
                    pollutant: "new".into(),
                },
                severity: model::alarm::Severity::Warning,
                window_from: crate::util::now(),
                window_to: crate::util::now(),
                evidence: serde_json::json!({}),
                assignee: None,
            }],
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap()
        .opened;
    let (_, second, _) = check(&state, &inspector, next.trim_start_matches("/alarms")).await;
    assert_eq!(first, (151..=250).rev().collect::<Vec<i64>>());
    assert_eq!(second, (51..=150).rev().collect::<Vec<i64>>(), "no row repeated or skipped");
    let (_, top, _) = check(&state, &inspector, "?scope=all").await;
    assert_eq!(top[0], opened[0].0, "the new alarm heads the first page");
}

#[tokio::test]
async fn the_export_has_all_1250_alarms_of_the_filters() {
    let (state, inspector) = backlog();
    let (status, _, csv) =
        send(&state, get("/alarms?scope=all&state=active&format=csv", Some(&inspector))).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 1125, "the header and every active alarm");
    assert!(lines[0].starts_with("\u{feff}编号,"), "the table's headers: {}", lines[0]);
    assert!(lines[1].starts_with("#1249,"), "newest first: {}", lines[1]);
    assert!(lines[1125].starts_with("#1,"), "the oldest included: {}", lines[1125]);
    let (_, _, all) =
        send(&state, get("/alarms?scope=all&state=open&format=csv", Some(&inspector))).await;
    let (_, _, closed) =
        send(&state, get("/alarms?scope=all&state=closed&format=csv", Some(&inspector))).await;
    assert_eq!(all.lines().count() - 1 + closed.lines().count() - 1, 1250, "open and closed");
    let (status, headers, xlsx) = {
        let request = get("/alarms?scope=all&state=closed&format=xlsx", Some(&inspector));
        let response =
            tower::ServiceExt::oneshot(web::router(state.clone()), request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, bytes)
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[axum::http::header::CONTENT_DISPOSITION],
        "attachment; filename=\"alarms-alarms.xlsx\""
    );
    assert!(xlsx.starts_with(b"PK"), "a workbook (zip)");
    let (status, _, _) = send(&state, get("/alarms?scope=all&format=pdf", Some(&inspector))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_cut_edited_or_made_up_cursor_is_refused_in_both_languages() {
    let (state, inspector) = inbox(250);
    let (_, _, pager) = check(&state, &inspector, "?scope=all").await;
    let next = link(&pager, "inbox-next");
    let token = next.split("after=").nth(1).unwrap().to_owned();
    let mut edited = token.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    for query in [
        format!("?scope=all&after={}", &token[..token.len() - 2]),
        format!("?scope=all&after={edited}"),
        format!("?scope=all&before={edited}"),
        "?after=%E4%BD%A0%E5%A5%BD".to_owned(),
        "?after=MTIzLjQ1Ni43ODkuMA".to_owned(),
        format!("?after={token}&before={token}"),
    ] {
        let (status, ids, page) = check(&state, &inspector, &query).await;
        assert_eq!((status, ids.len()), (StatusCode::BAD_REQUEST, 0), "{query}");
        assert!(page.contains("分页链接无效"), "{query}: {page}");
        let (status, _, page) = check(&state, &inspector, &format!("{query}&lang=en")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.contains("This page link is not valid"), "{query}: {page}");
    }
    let (status, ids, _) = check(&state, &inspector, &format!("?scope=all&after={token}")).await;
    assert_eq!((status, ids.len()), (StatusCode::OK, 100), "the untouched token works");
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

/// `GET /api/v1/alarms/page` as `browser`: the ids, the `next` token and the total.
async fn api_page(
    state: &web::AppState,
    browser: &Browser,
    query: &str,
) -> (StatusCode, Vec<i64>, Option<String>, u64, String) {
    let (status, _, body) =
        send(state, get(&format!("/api/v1/alarms/page{query}"), Some(browser))).await;
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&body) else {
        return (status, Vec::new(), None, 0, body);
    };
    let ids = json["alarms"]
        .as_array()
        .map(|alarms| alarms.iter().map(|a| a["id"].as_i64().unwrap()).collect())
        .unwrap_or_default();
    let next = json["next"].as_str().map(str::to_owned);
    (status, ids, next, json["total"].as_u64().unwrap_or(0), body)
}

#[tokio::test]
async fn the_api_pages_through_every_alarm_with_its_next_token() {
    let (state, inspector) = backlog();
    // Every alarm, 400 a page: newest opened first, each once, the oldest reached.
    let (mut all, mut after, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let (status, ids, next, total, body) =
            api_page(&state, &inspector, &format!("?limit=400{after}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(total, 1250);
        all.extend(ids);
        pages += 1;
        match next {
            Some(token) => after = format!("&after={token}"),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(all, (1..=1250).rev().collect::<Vec<i64>>(), "each alarm once, newest first");
    // The state filter holds on later pages.
    let (_, first, next, total, _) = api_page(&state, &inspector, "?state=closed&limit=100").await;
    assert_eq!(total, 125);
    assert_eq!(first, (10..=1250).rev().step_by(10).take(100).collect::<Vec<i64>>());
    let (_, rest, next, _, _) = api_page(
        &state,
        &inspector,
        &format!("?state=closed&limit=100&after={}", next.expect("a second page")),
    )
    .await;
    assert_eq!(rest, (10..=250).rev().step_by(10).collect::<Vec<i64>>());
    assert_eq!(next, None, "no third page");
    // A token this API did not write is refused, not read as another position.
    let (status, _, _, _, body) = api_page(&state, &inspector, "?after=bm90LmEudG9rZW4").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("next"), "{body}");
}
