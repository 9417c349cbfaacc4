//! Conformance cases of [`crate::SupervisionStore`]: grid cells and
//! multi-level escalation.

use model::alarm::{AlarmKey, Rule, Severity};
use model::registry::{GridCell, RecordStatus, parse_inspectors};
use serde_json::json;

use super::fixture::{at, point_and_device};
use super::registry_fixture::{active, town};
use crate::{AlarmPass, Escalation, Finding, GridChange, Store};

fn cell(inspectors: &str) -> GridCell {
    GridCell {
        town: "511112100".to_owned(),
        name: "竹根镇网格".to_owned(),
        inspectors: parse_inspectors(inspectors).unwrap(),
    }
}

fn change(cell: GridCell, status: RecordStatus) -> GridChange {
    GridChange { cell, status, sample: false }
}

/// Grid cells are keyed by their town, which must exist; every change is
/// audited with before and after, an unchanged cell writes nothing, and a
/// retired cell stays readable.
pub fn grid_cells_are_upserted_audited_and_retired(store: &dyn Store) {
    let error = store.apply_grid(&[change(cell("zg.zhang"), RecordStatus::Active)], "admin", at(0));
    assert_eq!(error.unwrap_err().reason(), "not_found", "the town must be in the registry");
    assert!(store.grid_cells().unwrap().is_empty(), "nothing half-written");

    store.apply_registry(&[active(town())], "admin", at(0)).unwrap();
    let created =
        store.apply_grid(&[change(cell("zg.zhang;zg.li"), RecordStatus::Active)], "admin", at(1));
    assert_eq!(created.unwrap().n_created, 1);
    let cells = store.grid_cells().unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0].cell, cell("zg.zhang;zg.li"));
    assert_eq!((cells[0].status, cells[0].updated_at), (RecordStatus::Active, at(1)));
    let audit = store.audit_entries(1).unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].subject.as_str()),
        ("grid_created", "grid:511112100")
    );
    assert_eq!(audit[0].detail["before"], json!(null));
    assert_eq!(audit[0].detail["after"]["cell"]["inspectors"], json!(["zg.zhang", "zg.li"]));

    let same = store
        .apply_grid(&[change(cell("zg.zhang;zg.li"), RecordStatus::Active)], "admin", at(2))
        .unwrap();
    assert_eq!((same.n_unchanged, same.n_updated), (1, 0));
    assert_eq!(store.audit_entries(1).unwrap()[0].action, "grid_created", "nothing audited");

    let swapped = store
        .apply_grid(&[change(cell("zg.li;zg.zhang"), RecordStatus::Active)], "admin", at(3))
        .unwrap();
    assert_eq!(swapped.n_updated, 1);
    let audit = store.audit_entries(1).unwrap();
    assert_eq!(audit[0].action, "grid_updated");
    assert_eq!(audit[0].detail["before"]["cell"]["inspectors"], json!(["zg.zhang", "zg.li"]));
    assert_eq!(audit[0].detail["after"]["cell"]["inspectors"], json!(["zg.li", "zg.zhang"]));

    let retired = store
        .apply_grid(&[change(cell("zg.li;zg.zhang"), RecordStatus::Retired)], "admin", at(4))
        .unwrap();
    assert_eq!((retired.n_updated, retired.n_retired), (1, 1));
    assert_eq!(store.audit_entries(1).unwrap()[0].action, "grid_retired");
    let kept = store.grid_cells().unwrap();
    assert_eq!(kept[0].status, RecordStatus::Retired);
    assert_eq!(kept[0].cell.primary().map(|name| name.as_str()), Some("zg.li"));
}

/// Escalation raises an open alarm's level once per level, may hand it to a
/// new assignee, records the event, queues the level's notifications, and
/// leaves acknowledged alarms alone.
pub fn escalation_levels_are_recorded_once_each(store: &dyn Store) {
    let (point, _) = point_and_device(store, "MN-ESCALATE");
    let finding = |pollutant: &str| Finding {
        key: AlarmKey { point, rule: Rule::Exceedance, pollutant: pollutant.to_owned() },
        severity: Severity::Warning,
        window_from: at(0),
        window_to: at(3_600_000),
        evidence: json!({}),
        assignee: Some("zg.zhang".to_owned()),
    };
    let findings = [finding("a21026"), finding("a21004")];
    let opened = store
        .record_alarm_pass(&AlarmPass {
            at: at(0),
            actor: "system:alarms",
            findings: &findings,
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap()
        .opened;
    let (id, acknowledged) = (opened[0], opened[1]);
    let history: Vec<(String, String)> = store
        .alarm_history(id)
        .unwrap()
        .into_iter()
        .map(|event| (event.event, event.actor))
        .collect();
    assert_eq!(
        history,
        [
            ("opened".to_owned(), "system:alarms".to_owned()),
            ("assigned".to_owned(), "system:alarms".to_owned())
        ],
        "an automatic assignment is in the history"
    );
    store.acknowledge_alarm(acknowledged, "zg.zhang", at(10)).unwrap();

    let level = |level: u32, assignee: Option<&str>, channel: &str| Escalation {
        alarm: id,
        level,
        assignee: assignee.map(str::to_owned),
        channels: vec![channel.to_owned()],
        detail: json!({ "after_mins": level * 30 }),
    };
    let first = store
        .escalate(
            &[
                level(1, Some("zg.li"), "town"),
                Escalation { alarm: acknowledged, ..level(1, None, "town") },
            ],
            at(100),
        )
        .unwrap();
    assert_eq!(first, vec![id], "an acknowledged alarm is not escalated");
    let alarm = store.alarm(id).unwrap().unwrap();
    assert_eq!((alarm.escalation_level, alarm.escalated_at), (1, Some(at(100))));
    assert_eq!(alarm.assignee.as_deref(), Some("zg.li"));
    assert!(
        store.escalate(&[level(1, Some("x"), "town")], at(110)).unwrap().is_empty(),
        "once per level"
    );

    assert_eq!(store.escalate(&[level(2, None, "bureau")], at(200)).unwrap(), vec![id]);
    let alarm = store.alarm(id).unwrap().unwrap();
    assert_eq!(
        (alarm.escalation_level, alarm.assignee.as_deref()),
        (2, Some("zg.li")),
        "None keeps the assignee"
    );
    let events: Vec<_> = store
        .alarm_history(id)
        .unwrap()
        .into_iter()
        .filter(|event| event.event == "escalated")
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].detail["level"], json!(1));
    assert_eq!(events[0].detail["assignee_before"], json!("zg.zhang"));
    assert_eq!(events[0].detail["assignee"], json!("zg.li"));
    assert_eq!(events[1].detail["why"], json!({ "after_mins": 60 }));
    let queued: Vec<(String, String)> = store
        .due_notifications(at(200), 10)
        .unwrap()
        .into_iter()
        .map(|notification| (notification.channel, notification.event))
        .collect();
    assert_eq!(
        queued,
        [
            ("town".to_owned(), "escalated".to_owned()),
            ("bureau".to_owned(), "escalated".to_owned())
        ]
    );
    assert_eq!(store.audit_entries(1).unwrap()[0].action, "alarm_escalated");
    assert_eq!(
        store
            .escalate(
                &[Escalation { alarm: model::alarm::AlarmId(9_999), ..level(3, None, "x") }],
                at(300)
            )
            .unwrap_err()
            .reason(),
        "not_found"
    );
}
