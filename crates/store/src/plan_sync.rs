//! The backend-independent part of [`PlanStore`](crate::PlanStore): the next
//! version of a plan value or city target and the audit entry that records it.

use serde_json::json;

use crate::{AuditEntry, CityTarget, NewCityTarget, NewPlanValue, PlanDocumentInfo, PlanValue};

/// The version after `before` (1 for the first).
fn next_version(before: Option<u32>) -> u32 {
    before.map_or(1, |version| version + 1)
}

/// The audit subject of a plan value.
pub(crate) fn value_subject(value: &NewPlanValue) -> String {
    format!("plan:{}/indicator:{}/year:{}", value.plan, value.indicator, value.year)
}

/// The audit subject of a city target.
pub(crate) fn target_subject(target: &NewCityTarget) -> String {
    format!("plan:{}/indicator:{}", target.plan, target.indicator)
}

/// The version of `value` stored after `before`, and its audit entry.
pub(crate) fn new_value_version(
    value: &NewPlanValue,
    before: Option<&PlanValue>,
    document: Option<PlanDocumentInfo>,
    actor: &str,
    at: model::Instant,
) -> (PlanValue, AuditEntry) {
    let stored = PlanValue {
        plan: value.plan.clone(),
        indicator: value.indicator.clone(),
        year: value.year,
        version: next_version(before.map(|before| before.version)),
        value: value.value,
        note: value.note.clone(),
        document,
        actor: actor.to_owned(),
        at,
    };
    let audit = AuditEntry {
        at,
        actor: actor.to_owned(),
        action: "plan_value_entered".to_owned(),
        subject: value_subject(value),
        detail: json!({ "before": before, "after": stored }),
    };
    (stored, audit)
}

/// The version of `target` stored after `before`, and its audit entry.
pub(crate) fn new_target_version(
    target: &NewCityTarget,
    before: Option<&CityTarget>,
    document: PlanDocumentInfo,
    actor: &str,
    at: model::Instant,
) -> (CityTarget, AuditEntry) {
    let stored = CityTarget {
        plan: target.plan.clone(),
        indicator: target.indicator.clone(),
        version: next_version(before.map(|before| before.version)),
        value: target.value,
        note: target.note.clone(),
        document,
        actor: actor.to_owned(),
        at,
    };
    let audit = AuditEntry {
        at,
        actor: actor.to_owned(),
        action: "plan_city_target_set".to_owned(),
        subject: target_subject(target),
        detail: json!({ "before": before, "after": stored }),
    };
    (stored, audit)
}
