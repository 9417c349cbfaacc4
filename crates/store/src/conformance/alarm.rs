//! Conformance cases for [`crate::AlarmStore`]: de-duplication, the lifecycle,
//! late data, escalation and the notification outbox.

use model::alarm::{AlarmKey, AlarmState, Rule, Severity};
use serde_json::json;

use super::fixture::{at, point_and_device};
use crate::{
    AlarmPass, AlarmQuery, Attachment, Cleared, Delivery, Finding, NotificationStatus, Store,
};

fn key(point: model::PointId) -> AlarmKey {
    AlarmKey { point, rule: Rule::Exceedance, pollutant: "a21026".to_owned() }
}

fn finding(point: model::PointId, window_ms: i64, value: f64) -> Finding {
    Finding {
        key: key(point),
        severity: Severity::Warning,
        window_from: at(window_ms),
        window_to: at(window_ms + 3_600_000),
        evidence: json!({ "value": value }),
        assignee: Some("网格员".to_owned()),
    }
}

fn pass<'a>(
    at_ms: i64,
    findings: &'a [Finding],
    cleared: &'a [Cleared],
    channels: &'a [String],
) -> AlarmPass<'a> {
    AlarmPass {
        at: at(at_ms),
        actor: "system:alarms",
        findings,
        cleared,
        channels,
        watermark: None,
    }
}

/// One active alarm per point, rule and pollutant: a new window is an
/// occurrence, a known window is a re-evaluation, and a window recorded on a
/// closed alarm never opens a new one.
pub fn alarm_findings_are_deduplicated(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-ALARM");
    let first = store.record_alarm_pass(&pass(10, &[finding(point, 0, 120.0)], &[], &[])).unwrap();
    assert_eq!(first.opened.len(), 1);
    let id = first.opened[0];
    let again = store.record_alarm_pass(&pass(20, &[finding(point, 0, 120.0)], &[], &[])).unwrap();
    assert!(again.opened.is_empty());
    assert_eq!(
        (again.n_repeated, again.n_reevaluated),
        (0, 0),
        "an identical finding changes nothing"
    );
    let next =
        store.record_alarm_pass(&pass(30, &[finding(point, 3_600_000, 130.0)], &[], &[])).unwrap();
    assert_eq!((next.opened.len(), next.n_repeated), (0, 1));
    let alarm = store.alarm(id).unwrap().unwrap();
    assert_eq!(alarm.n_occurrences, 2);
    assert_eq!(alarm.last_at, at(30));
    assert_eq!(alarm.first_at, at(10));
    assert_eq!(alarm.window_from, at(3_600_000));
    assert_eq!(alarm.evidence, json!({ "value": 130.0 }));
    assert_eq!(alarm.assignee.as_deref(), Some("网格员"), "assigned when opened");
    // An older window re-evaluated with other values: counted nowhere, the latest evidence stays.
    let older = store.record_alarm_pass(&pass(35, &[finding(point, 0, 125.0)], &[], &[])).unwrap();
    assert_eq!((older.n_repeated, older.opened.len()), (0, 0));
    assert_eq!(store.alarm(id).unwrap().unwrap().n_occurrences, 2);

    store.close_alarm(id, "inspector", at(40), "已现场核查", None).unwrap();
    let replay = store.record_alarm_pass(&pass(50, &[finding(point, 0, 120.0)], &[], &[])).unwrap();
    assert!(replay.opened.is_empty(), "a window already handled does not reopen");
    let fresh =
        store.record_alarm_pass(&pass(60, &[finding(point, 7_200_000, 140.0)], &[], &[])).unwrap();
    assert_eq!(fresh.opened.len(), 1);
    assert_ne!(fresh.opened[0], id);
    let open = store
        .alarms(&AlarmQuery { state: Some(AlarmState::Open), ..AlarmQuery::default() })
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        store.alarms(&AlarmQuery { point: Some(point), ..AlarmQuery::default() }).unwrap().len(),
        2
    );
}

/// Open → acknowledged → closed; closing needs a note; illegal moves are
/// precise errors; every change is in the history and the audit log.
pub fn alarm_lifecycle_is_validated_and_audited(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-LIFE");
    let id =
        store.record_alarm_pass(&pass(0, &[finding(point, 0, 1.0)], &[], &[])).unwrap().opened[0];
    let n_audit = store.audit_entries(1000).unwrap().len();
    let assigned = store.assign_alarm(id, "api", at(1), "网格员张三").unwrap();
    assert_eq!(assigned.assignee.as_deref(), Some("网格员张三"));
    assert_eq!(
        store.assign_alarm(id, "api", at(1), " ").unwrap_err().reason(),
        "assignee_required"
    );
    let acknowledged = store.acknowledge_alarm(id, "api", at(2)).unwrap();
    assert_eq!(acknowledged.state, AlarmState::Acknowledged);
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("api"));
    let error = store.acknowledge_alarm(id, "api", at(3)).unwrap_err();
    assert_eq!(error.reason(), "invalid_transition");
    assert!(error.to_string().contains("acknowledged"), "{error}");
    assert_eq!(
        store.close_alarm(id, "api", at(4), "  ", None).unwrap_err().reason(),
        "note_required"
    );
    let file = Attachment {
        name: "现场照片.jpg".to_owned(),
        media_type: "image/jpeg".to_owned(),
        bytes: b"abc".to_vec(),
    };
    let closed = store.close_alarm(id, "api", at(5), "已整改", Some(&file)).unwrap();
    assert_eq!(closed.state, AlarmState::Closed);
    assert_eq!(closed.close_note.as_deref(), Some("已整改"));
    let info = closed.attachment.unwrap();
    assert_eq!(info.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(info.n_bytes, 3);
    assert_eq!(store.alarm_attachment(id).unwrap(), Some(file));
    assert_eq!(
        store.close_alarm(id, "api", at(6), "again", None).unwrap_err().reason(),
        "invalid_transition"
    );
    assert_eq!(
        store.assign_alarm(id, "api", at(6), "x").unwrap_err().reason(),
        "invalid_transition"
    );
    assert_eq!(
        store.acknowledge_alarm(model::alarm::AlarmId(9_999), "api", at(6)).unwrap_err().reason(),
        "not_found"
    );
    let events: Vec<String> =
        store.alarm_history(id).unwrap().into_iter().map(|event| event.event).collect();
    // The first assignment is the system's (the finding's assignee), the second the person's.
    assert_eq!(events, ["opened", "assigned", "assigned", "acknowledged", "closed"]);
    let audit = store.audit_entries(1000).unwrap();
    assert_eq!(audit.len(), n_audit + 3, "refused changes leave no audit entry");
    assert_eq!(audit[0].action, "alarm_closed");
    assert_eq!(audit[0].detail["before"]["state"], "acknowledged");
    assert_eq!(audit[0].detail["after"]["state"], "closed");
}

/// Late data that clears a window marks the alarm, never deletes it; a
/// finding for that window again makes it hold again. The watermark moves
/// with the pass.
pub fn alarm_no_longer_holding_is_marked_not_deleted(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-LATE");
    let id =
        store.record_alarm_pass(&pass(0, &[finding(point, 0, 1.0)], &[], &[])).unwrap().opened[0];
    let cleared = [Cleared { key: key(point), within: Some((at(0), at(1))) }];
    let other = [Cleared { key: key(point), within: Some((at(3_600_000), at(7_200_000))) }];
    assert_eq!(store.record_alarm_pass(&pass(1, &[], &other, &[])).unwrap().n_cleared, 0);
    let outcome = store
        .record_alarm_pass(&AlarmPass {
            watermark: Some(("alarms", 42)),
            ..pass(2, &[], &cleared, &[])
        })
        .unwrap();
    assert_eq!(outcome.n_cleared, 1);
    assert_eq!(store.watermark("alarms").unwrap(), 42);
    let alarm = store.alarm(id).unwrap().unwrap();
    assert!(!alarm.still_holds);
    assert_eq!(alarm.state, AlarmState::Open);
    let again = store.record_alarm_pass(&pass(3, &[finding(point, 0, 2.0)], &[], &[])).unwrap();
    assert_eq!(again.n_reevaluated, 1);
    assert!(store.alarm(id).unwrap().unwrap().still_holds);
    let events: Vec<String> =
        store.alarm_history(id).unwrap().into_iter().map(|event| event.event).collect();
    assert_eq!(events, ["opened", "assigned", "no_longer_holds", "re_evaluated"]);
}

/// Opening queues one notification per channel; escalation marks alarms not
/// acknowledged in time once and queues again; deliveries retry, then are dead letters.
pub fn alarm_escalation_and_notification_outbox(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-NOTE");
    let channels = ["wecom".to_owned(), "sms".to_owned()];
    let id = store
        .record_alarm_pass(&pass(0, &[finding(point, 0, 1.0)], &[], &channels))
        .unwrap()
        .opened[0];
    let due = store.due_notifications(at(0), 10).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].payload["id"], json!(id.0));
    assert_eq!(due[0].event, "opened");
    assert_eq!(store.next_notification_due().unwrap(), Some(at(0)));

    assert!(store.escalate_alarms(at(0), at(5), &channels).unwrap().is_empty(), "not yet overdue");
    assert_eq!(store.escalate_alarms(at(1), at(6), &channels).unwrap(), vec![id]);
    assert!(store.escalate_alarms(at(1), at(7), &channels).unwrap().is_empty(), "escalated once");
    assert_eq!(store.alarm(id).unwrap().unwrap().escalated_at, Some(at(6)));
    assert_eq!(store.due_notifications(at(6), 10).unwrap().len(), 4);

    let first = &due[0];
    store.record_deliveries(at(10), &[(first.id, Delivery::Delivered)]).unwrap();
    let second = &due[1];
    let retry = Delivery::Retry { error: "HTTP 502".to_owned(), next_attempt_at: at(1_000) };
    store.record_deliveries(at(10), &[(second.id, retry)]).unwrap();
    let pending: Vec<i64> =
        store.due_notifications(at(999), 10).unwrap().iter().map(|n| n.id).collect();
    assert!(!pending.contains(&second.id), "not due before its next attempt");
    assert!(store.due_notifications(at(1_000), 10).unwrap().iter().any(|n| n.id == second.id));
    store
        .record_deliveries(
            at(1_000),
            &[(second.id, Delivery::Dead { error: "HTTP 502".to_owned() })],
        )
        .unwrap();
    let dead = store.notifications(Some(NotificationStatus::Dead), 10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].id, dead[0].attempts), (second.id, 2));
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 502"));
    let delivered = store.notifications(Some(NotificationStatus::Delivered), 10).unwrap();
    assert_eq!(delivered[0].delivered_at, Some(at(10)));
    assert_eq!(
        store.record_deliveries(at(1), &[(9_999, Delivery::Delivered)]).unwrap_err().reason(),
        "not_found"
    );
}

/// The alarm service's scan: the points accepted packets after a watermark
/// came from, with their devices' newest data time, bounded by packets.
pub fn alarm_scan_finds_touched_points(store: &dyn Store) {
    use crate::conformance::fixture::{accepted_packet, reading};
    use crate::{DeviceSighting, IngestBatch};
    let (point, device) = point_and_device(store, "MN-SCAN");
    assert_eq!(store.touched_points(0, 10).unwrap().points, vec![]);
    let packets = (0..3)
        .map(|n| {
            accepted_packet(
                device,
                vec![reading(point, "a21026", model::DataKind::Minute, n * 60_000, 1.0)],
                n,
            )
        })
        .collect();
    let sightings = vec![DeviceSighting {
        device,
        at: at(5),
        peer: "10.0.0.1:1".to_owned(),
        latest_data_time: Some(at(120_000)),
    }];
    let report =
        store.commit_batch(&IngestBatch { packets, sightings, ..IngestBatch::default() }).unwrap();
    let first = report.packets[0].raw_id;
    let touched = store.touched_points(first - 1, 2).unwrap();
    assert_eq!(touched.up_to_raw_id, first + 1);
    assert_eq!(touched.points.len(), 1);
    assert_eq!(touched.points[0].point, point);
    assert_eq!(touched.points[0].last_data_time, Some(at(120_000)));
    assert_eq!(touched.points[0].kinds, vec![model::DataKind::Minute]);
    let rest = store.touched_points(touched.up_to_raw_id, 100).unwrap();
    assert_eq!(rest.up_to_raw_id, first + 2);
    assert!(store.touched_points(rest.up_to_raw_id, 100).unwrap().points.is_empty());
}

/// The list without evidence is the same alarms, in the same order, with the
/// same filters and limit, only each evidence `null`; a state filter returns
/// only that state's alarms (however many closed ones are older or newer).
pub fn alarm_list_is_the_alarms_without_their_evidence(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-ALARM-LIST");
    let mut ids = Vec::new();
    for (index, pollutant) in ["a21026", "a21002", "a34013", "a21005", "a19001"].iter().enumerate()
    {
        let window_ms = i64::try_from(index).unwrap() * 3_600_000;
        let found = Finding {
            key: AlarmKey { point, rule: Rule::Exceedance, pollutant: (*pollutant).to_owned() },
            evidence: json!({ "value": index, "unit": "mg/m3" }),
            ..finding(point, window_ms, 0.0)
        };
        ids.extend(store.record_alarm_pass(&pass(10, &[found], &[], &[])).unwrap().opened);
    }
    store.close_alarm(ids[1], "inspector", at(20), "已处理", None).unwrap();
    store.close_alarm(ids[3], "inspector", at(21), "已处理", None).unwrap();
    store.acknowledge_alarm(ids[4], "inspector", at(22)).unwrap();
    let queries = [
        AlarmQuery { limit: 100, ..AlarmQuery::default() },
        AlarmQuery { state: Some(AlarmState::Open), limit: 100, ..AlarmQuery::default() },
        AlarmQuery {
            state: Some(AlarmState::Closed),
            point: Some(point),
            limit: 1,
            ..AlarmQuery::default()
        },
        AlarmQuery {
            state: Some(AlarmState::Acknowledged),
            rule: Some(Rule::Exceedance),
            limit: 10,
            ..AlarmQuery::default()
        },
        AlarmQuery { rule: Some(Rule::AqiHigh), limit: 10, ..AlarmQuery::default() },
    ];
    for query in &queries {
        let full = store.alarms(query).unwrap();
        let listed = store.alarm_list(query).unwrap();
        let without: Vec<_> = full
            .into_iter()
            .map(|alarm| crate::Alarm { evidence: serde_json::Value::Null, ..alarm })
            .collect();
        assert_eq!(listed, without, "{query:?}");
    }
    let open = store.alarm_list(&queries[1]).unwrap();
    let open_ids: Vec<_> = open.iter().map(|alarm| alarm.id).collect();
    assert_eq!(open_ids, vec![ids[2], ids[0]], "open only, newest first");
    assert_eq!(store.alarm_list(&queries[2]).unwrap()[0].id, ids[3], "the newest closed one");
    assert_eq!(store.alarm_list(&queries[3]).unwrap().len(), 1);
    assert!(store.alarm_list(&queries[4]).unwrap().is_empty());
}

/// The points and assignees filters: only alarms of the given points; only
/// alarms assigned to nobody (no assignee or a blank one) or to one of the
/// given names; the limit counts the alarms that pass the filters.
pub fn alarm_queries_filter_by_points_and_assignees(store: &dyn Store) {
    let (first, _) = point_and_device(store, "MN-ALARM-MINE-1");
    let (second, _) = point_and_device(store, "MN-ALARM-MINE-2");
    let assignees = [Some("wg.a"), None, Some("  "), Some("wg.b"), Some("analyst"), Some("wg.a")];
    let mut ids = Vec::new();
    for (index, assignee) in assignees.iter().enumerate() {
        let point = if index % 2 == 0 { first } else { second };
        let found = Finding {
            key: AlarmKey { point, rule: Rule::Exceedance, pollutant: format!("p{index}") },
            assignee: assignee.map(str::to_owned),
            ..finding(point, 0, 0.0)
        };
        ids.extend(store.record_alarm_pass(&pass(10, &[found], &[], &[])).unwrap().opened);
    }
    let listed = |query: AlarmQuery| -> Vec<_> {
        let full: Vec<_> = store.alarms(&query).unwrap().iter().map(|alarm| alarm.id).collect();
        let list: Vec<_> = store.alarm_list(&query).unwrap().iter().map(|alarm| alarm.id).collect();
        assert_eq!(full, list, "{query:?}");
        full
    };
    let mine = Some(vec!["wg.a".to_owned(), "analyst".to_owned()]);
    assert_eq!(
        listed(AlarmQuery { assignees: mine.clone(), limit: 100, ..AlarmQuery::default() }),
        vec![ids[5], ids[4], ids[2], ids[1], ids[0]],
        "mine, the role's and the unassigned ones, newest first"
    );
    assert_eq!(
        listed(AlarmQuery { assignees: mine.clone(), limit: 2, ..AlarmQuery::default() }),
        vec![ids[5], ids[4]],
        "the limit counts only what the filter keeps"
    );
    assert_eq!(
        listed(AlarmQuery { points: Some(vec![first]), limit: 100, ..AlarmQuery::default() }),
        vec![ids[4], ids[2], ids[0]]
    );
    assert_eq!(
        listed(AlarmQuery {
            points: Some(vec![second]),
            assignees: Some(vec!["wg.b".to_owned()]),
            state: Some(AlarmState::Open),
            limit: 100,
            ..AlarmQuery::default()
        }),
        vec![ids[3], ids[1]]
    );
    assert!(
        listed(AlarmQuery { points: Some(vec![]), limit: 100, ..AlarmQuery::default() }).is_empty(),
        "no point, no alarm"
    );
}
