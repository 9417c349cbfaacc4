//! Conformance cases of [`crate::PlanStore`]: versions, current values,
//! documents with their hash, and the audit entry of every change.

use crate::conformance::fixture::at;
use crate::{NewCityTarget, NewPlanDocument, NewPlanValue, Store};

const PLAN: &str = "wutongqiao-2021-2025";

fn value(indicator: &str, year: i32, value: f64, document: Option<&[u8]>) -> NewPlanValue {
    NewPlanValue {
        plan: PLAN.to_owned(),
        indicator: indicator.to_owned(),
        year,
        value,
        note: format!("{indicator} {year}"),
        document: document.map(|bytes| NewPlanDocument {
            file_name: "统计公报.pdf".to_owned(),
            media_type: "application/pdf".to_owned(),
            bytes: bytes.to_vec(),
        }),
    }
}

/// A correction adds a version: the history keeps both, the current value is
/// the newest, and each entry is audited with its before and after.
pub fn plan_value_corrections_keep_history(store: &dyn Store) {
    let first = store.enter_plan_value(&value("9", 2022, 36.5, None), "alice", at(0)).unwrap();
    assert_eq!(first.version, 1);
    let second = store
        .enter_plan_value(&value("9", 2022, 37.1, Some(b"%PDF-1.4")), "bob", at(1000))
        .unwrap();
    assert_eq!(second.version, 2);
    store.enter_plan_value(&value("9", 2023, 37.4, None), "alice", at(2000)).unwrap();
    store.enter_plan_value(&value("12", 2022, 90.0, None), "alice", at(3000)).unwrap();

    let current = store.plan_values(PLAN).unwrap();
    let summary: Vec<(&str, i32, u32, f64)> =
        current.iter().map(|v| (v.indicator.as_str(), v.year, v.version, v.value)).collect();
    assert_eq!(summary, [("12", 2022, 1, 90.0), ("9", 2022, 2, 37.1), ("9", 2023, 1, 37.4)]);
    assert!(store.plan_values("another-plan").unwrap().is_empty());

    let history = store.plan_value_history(PLAN, "9", 2022).unwrap();
    assert_eq!(
        history.iter().map(|v| (v.version, v.value)).collect::<Vec<_>>(),
        [(1, 36.5), (2, 37.1)]
    );
    assert_eq!(history[0].actor, "alice");
    assert_eq!(history[1].actor, "bob");
    assert_eq!(history[1].at, at(1000));
    assert_eq!(history[1].note, "9 2022");
    assert!(history[0].document.is_none());

    let audit = store.audit_entries(10).unwrap();
    let entered: Vec<_> = audit.iter().filter(|e| e.action == "plan_value_entered").collect();
    assert_eq!(entered.len(), 4);
    let correction = entered.iter().find(|e| e.actor == "bob").unwrap();
    assert_eq!(correction.subject, format!("plan:{PLAN}/indicator:9/year:2022"));
    assert_eq!(correction.detail["before"]["value"], 36.5);
    assert_eq!(correction.detail["after"]["value"], 37.1);
    assert_eq!(correction.detail["after"]["version"], 2);
}

/// A document is stored byte for byte with its SHA-256 and size.
pub fn plan_documents_round_trip_with_their_hash(store: &dyn Store) {
    let stored =
        store.enter_plan_value(&value("8", 2022, 96.0, Some(b"abc")), "alice", at(0)).unwrap();
    let info = stored.document.unwrap();
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    assert_eq!(info.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(info.n_bytes, 3);
    let document = store.plan_document(info.id).unwrap().unwrap();
    assert_eq!(document.bytes, b"abc");
    assert_eq!(document.info, info);
    assert_eq!(document.info.file_name, "统计公报.pdf");
    assert!(store.plan_document(info.id + 100).unwrap().is_none());
    let listed = store.plan_values(PLAN).unwrap();
    assert_eq!(listed[0].document.as_ref(), Some(&info));
}

/// A city target is set with its document; a new figure adds a version.
pub fn city_targets_are_versioned_with_their_document(store: &dyn Store) {
    let target = |figure: f64, bytes: &[u8]| NewCityTarget {
        plan: PLAN.to_owned(),
        indicator: "19".to_owned(),
        value: figure,
        note: "乐市环委〔2022〕1号".to_owned(),
        document: NewPlanDocument {
            file_name: "assignment.pdf".to_owned(),
            media_type: "application/pdf".to_owned(),
            bytes: bytes.to_vec(),
        },
    };
    assert!(store.city_targets(PLAN).unwrap().is_empty());
    let first = store.set_city_target(&target(13.0, b"one"), "carol", at(0)).unwrap();
    assert_eq!(first.version, 1);
    let second = store.set_city_target(&target(14.0, b"two"), "carol", at(500)).unwrap();
    assert_eq!(second.version, 2);
    let current = store.city_targets(PLAN).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!((current[0].value, current[0].version), (14.0, 2));
    assert_eq!(current[0].document.n_bytes, 3);
    let history = store.city_target_history(PLAN, "19").unwrap();
    assert_eq!(history.iter().map(|t| t.value).collect::<Vec<_>>(), [13.0, 14.0]);
    assert_ne!(history[0].document.sha256, history[1].document.sha256);
    let audit = store.audit_entries(10).unwrap();
    let set: Vec<_> = audit.iter().filter(|e| e.action == "plan_city_target_set").collect();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0].detail["before"]["value"], 13.0);
    assert_eq!(set[0].detail["after"]["value"], 14.0);
    assert_eq!(set[0].subject, format!("plan:{PLAN}/indicator:19"));
    // The audit chain still verifies after plan writes.
    assert!(store.verify_evidence().unwrap().iter().all(|check| check.outcome.is_ok()));
}
