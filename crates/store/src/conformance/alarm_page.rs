//! Conformance cases for [`crate::AlarmPageStore`]: keyset pages reach every
//! alarm exactly once, in order, while alarms are opened, acknowledged and
//! closed between pages; counts match the filters.

use model::PointId;
use model::alarm::{AlarmId, AlarmKey, AlarmState, Rule, Severity};
use serde_json::json;

use super::fixture::{at, point_and_device};
use crate::{Alarm, AlarmCursor, AlarmPageFrom, AlarmPass, AlarmQuery, Finding, Store};

/// Opens one alarm per pollutant name at `point`, in one pass at `at_ms`,
/// assigned to `assignee`; returns their ids in opening order.
fn open(
    store: &dyn Store,
    point: PointId,
    names: impl Iterator<Item = String>,
    at_ms: i64,
    assignee: Option<&str>,
) -> Vec<AlarmId> {
    let findings: Vec<Finding> = names
        .map(|pollutant| Finding {
            key: AlarmKey { point, rule: Rule::Exceedance, pollutant },
            severity: Severity::Warning,
            window_from: at(0),
            window_to: at(3_600_000),
            evidence: json!({ "value": 1 }),
            assignee: assignee.map(str::to_owned),
        })
        .collect();
    store
        .record_alarm_pass(&AlarmPass {
            at: at(at_ms),
            actor: "system:alarms",
            findings: &findings,
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap()
        .opened
}

fn names(prefix: &str, n: usize) -> impl Iterator<Item = String> {
    (0..n).map(move |index| format!("{prefix}{index:03}"))
}

/// Pages through `states` 100 at a time from the first page, calling
/// `between` after each page; returns every alarm read, in page order.
fn page_through(
    store: &dyn Store,
    filter: &AlarmQuery,
    states: &[AlarmState],
    mut between: impl FnMut(usize),
) -> Vec<Alarm> {
    let mut read = Vec::new();
    let mut from = AlarmPageFrom::First;
    for n_pages in 1.. {
        let page = store.alarm_page_in(filter, states, from).unwrap();
        assert!(page.len() <= 100, "a page holds at most the limit");
        let Some(last) = page.last() else { break };
        from = AlarmPageFrom::After(AlarmCursor::of(last));
        let full = page.len() == 100;
        read.extend(page);
        between(n_pages);
        if !full {
            break;
        }
    }
    read
}

fn ids(alarms: &[Alarm]) -> Vec<AlarmId> {
    alarms.iter().map(|alarm| alarm.id).collect()
}

/// 250 alarms (opened in passes at several times, one pass older than the
/// ones before it, so id order is not the opening order) paged 100 at a time:
/// each exactly once, newest opened first, ties by id; alarms opened between
/// pages appear on the first page only, and alarms acknowledged or closed
/// between pages neither repeat nor vanish from an "open or acknowledged"
/// listing; the previous page, the count and the filters agree.
pub fn alarm_pages_reach_every_alarm_once_in_order(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-ALARM-PAGE");
    let (other, _) = point_and_device(store, "MN-ALARM-PAGE-2");
    let mut opened = Vec::new();
    opened.extend(open(store, point, names("a", 100), 20_000, None));
    opened.extend(open(store, point, names("b", 60), 30_000, Some("wg.a")));
    // Opened later, but by a pass judging an earlier time: their ids are
    // newer, their opening time older than every other alarm's.
    opened.extend(open(store, other, names("c", 90), 10_000, Some("wg.b")));
    assert_eq!(opened.len(), 250);
    let filter = AlarmQuery { limit: 100, ..AlarmQuery::default() };
    let everything = |store: &dyn Store| {
        let mut all = store.alarms(&AlarmQuery { limit: 10_000, ..AlarmQuery::default() }).unwrap();
        all.sort_by_key(|alarm| std::cmp::Reverse((alarm.first_at, alarm.id.0)));
        all
    };
    let expected = ids(&everything(store));
    let read = page_through(store, &filter, &[], |_| {});
    assert_eq!(ids(&read), expected, "every alarm once, newest opened first, then id");
    assert_eq!(read[0].first_at, at(30_000));
    assert_eq!(read.last().map(|alarm| alarm.first_at), Some(at(10_000)));
    assert!(read.iter().all(|alarm| alarm.evidence.is_null()), "pages are read without evidence");
    assert_eq!(store.alarm_count(&AlarmQuery::default()).unwrap(), 250);

    // The page before the third page's first alarm is the second page.
    let pages: Vec<&[Alarm]> = read.chunks(100).collect();
    let before = store
        .alarm_page_in(&filter, &[], AlarmPageFrom::Before(AlarmCursor::of(&pages[2][0])))
        .unwrap();
    assert_eq!(ids(&before), ids(pages[1]), "the previous page, newest first");
    let top = store
        .alarm_page_in(&filter, &[], AlarmPageFrom::Before(AlarmCursor::of(&pages[0][5])))
        .unwrap();
    assert_eq!(ids(&top), ids(&pages[0][..5]), "fewer than a page before the fifth alarm");

    // While paging the active alarms: new alarms are opened (newest, and
    // one pass judging the oldest time), alarms not yet read are
    // acknowledged or closed.
    let active = [AlarmState::Open, AlarmState::Acknowledged];
    let ahead = ids(&read[150..160]);
    let mut late = Vec::new();
    let read = page_through(store, &filter, &active, |n_pages| {
        if n_pages == 1 {
            late.extend(open(store, point, names("d", 7), 40_000, None));
            late.extend(open(store, other, names("e", 3), 5_000, None));
            store.acknowledge_alarm(ahead[0], "inspector", at(50_000)).unwrap();
            store.close_alarm(ahead[1], "inspector", at(50_000), "已处理", None).unwrap();
        }
    });
    let read_ids = ids(&read);
    let mut unique = read_ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), read_ids.len(), "no alarm twice");
    assert!(read_ids.contains(&ahead[0]), "acknowledged between pages: still listed, once");
    assert!(!read_ids.contains(&ahead[1]), "closed between pages: no longer active");
    assert!(
        late[..7].iter().all(|id| !read_ids.contains(id)),
        "opened newest after page 1: on page 1 next time, not repeated further down"
    );
    assert!(late[7..].iter().all(|id| read_ids.contains(id)), "opened older than the cursor");
    let now_expected: Vec<AlarmId> = ids(&everything(store))
        .into_iter()
        .filter(|id| *id != ahead[1] && !late[..7].contains(id))
        .collect();
    assert_eq!(read_ids, now_expected, "every other alarm once, in order");

    // Filters hold on every page, and the count uses the same filters.
    let mine = AlarmQuery {
        assignees: Some(vec!["wg.b".to_owned()]),
        points: Some(vec![other]),
        limit: 40,
        ..AlarmQuery::default()
    };
    let mut from = AlarmPageFrom::First;
    let mut n_mine = 0;
    loop {
        let page = store.alarm_page_in(&mine, &active, from).unwrap();
        assert!(page.iter().all(|alarm| alarm.key.point == other && alarm.state.is_active()));
        assert!(
            page.iter().all(|alarm| { matches!(alarm.assignee.as_deref(), None | Some("wg.b")) })
        );
        n_mine += page.len();
        let Some(last) = page.last() else { break };
        from = AlarmPageFrom::After(AlarmCursor::of(last));
    }
    let counts = store.alarm_count_in(&mine, &active).unwrap();
    let n_counted: u64 = counts.iter().map(|(_, n)| n).sum();
    assert_eq!(n_mine, 93, "90 of wg.b's and 3 unassigned at that point");
    assert_eq!(n_counted, 93);
    assert_eq!(
        store.alarm_count(&AlarmQuery { state: Some(AlarmState::Closed), ..mine.clone() }).unwrap(),
        0
    );
    assert_eq!(
        store
            .alarm_count(&AlarmQuery { state: Some(AlarmState::Closed), ..AlarmQuery::default() })
            .unwrap(),
        1
    );
}
