//! The backend-independent part of [`RegistryStore::apply_registry`](crate::RegistryStore):
//! what an applied change is called in the audit log and what its entry shows,
//! and which permit limit becomes a point's limit. Both backends call these
//! inside their write transaction, so they behave the same.

use std::collections::{BTreeMap, BTreeSet};

use model::PointId;
use model::registry::RecordStatus;

use crate::{ApplyReport, RegistryChange, RegistryEntity, RegistryRecord};

/// A record as the audit log shows it: a device's password hash is replaced
/// by a marker (the audit log is append-only, so no secret material goes in).
fn audit_view(entity: &RegistryEntity, status: RecordStatus, sample: bool) -> serde_json::Value {
    let mut entity = entity.clone();
    if let RegistryEntity::Device(device) = &mut entity {
        device.password_hash = "(redacted)".to_owned();
    }
    serde_json::json!({ "status": status, "sample": sample, "entity": entity })
}

/// The audit detail of `change` applied over `before`: both states (a device's
/// password hash redacted) and, for devices, whether the password changed.
pub(crate) fn audit_detail(
    before: Option<&RegistryRecord>,
    change: &RegistryChange,
) -> serde_json::Value {
    let mut detail = serde_json::json!({
        "before": before.map(|before| audit_view(&before.entity, before.status, before.sample)),
        "after": audit_view(&change.entity, change.status, change.sample),
    });
    if let RegistryEntity::Device(after) = &change.entity {
        let changed = match before.map(|record| &record.entity) {
            Some(RegistryEntity::Device(before)) => before.password_hash != after.password_hash,
            _ => true,
        };
        detail["password_changed"] = serde_json::Value::Bool(changed);
    }
    detail
}

/// Counts an applied (not unchanged) change in `report` and names its audit action.
pub(crate) fn registry_action(
    report: &mut ApplyReport,
    before: Option<&RegistryRecord>,
    status: RecordStatus,
) -> &'static str {
    match (before.map(|before| before.status), status) {
        (None, _) => {
            report.n_created += 1;
            "registry_created"
        }
        (Some(RecordStatus::Active), RecordStatus::Retired) => {
            report.n_updated += 1;
            report.n_retired += 1;
            "registry_retired"
        }
        (Some(_), _) => {
            report.n_updated += 1;
            "registry_updated"
        }
    }
}

/// An (outlet point, parameter) pair named by a limit record, and the limit it
/// gets: `None` removes the point's limit.
pub(crate) type PointLimitChoice = ((PointId, String), Option<serde_json::Value>);

/// Every (outlet point, parameter) pair named by any limit record, in order,
/// with the concentration limit of an active limit of an active permit (the
/// permit valid longest wins), or `None` when no such limit remains.
pub(crate) fn choose_point_limits(
    permits: &[RegistryRecord],
    outlets: &[RegistryRecord],
    limits: &[RegistryRecord],
) -> Vec<PointLimitChoice> {
    let permits: BTreeMap<&str, (RecordStatus, chrono::NaiveDate)> = permits
        .iter()
        .filter_map(|record| match &record.entity {
            RegistryEntity::Permit(permit) => {
                Some((permit.number.as_str(), (record.status, permit.valid_to)))
            }
            _ => None,
        })
        .collect();
    let outlets: BTreeMap<String, PointId> =
        outlets.iter().filter_map(|record| Some((record.entity.key(), record.point?))).collect();
    let mut named = BTreeSet::new();
    let mut chosen: BTreeMap<(PointId, String), (chrono::NaiveDate, serde_json::Value)> =
        BTreeMap::new();
    for record in limits {
        let RegistryEntity::Limit(limit) = &record.entity else { continue };
        let Some(&point) = outlets.get(&limit.outlet) else { continue };
        let pair = (point, limit.param.to_string());
        named.insert(pair.clone());
        let Some(&(permit_status, valid_to)) = permits.get(limit.permit.as_str()) else {
            continue;
        };
        if record.status != RecordStatus::Active || permit_status != RecordStatus::Active {
            continue;
        }
        if chosen.get(&pair).is_none_or(|(best, _)| valid_to > *best) {
            chosen.insert(pair, (valid_to, limit.concentration.clone()));
        }
    }
    named
        .into_iter()
        .map(|pair| {
            let limit = chosen.remove(&pair).map(|(_, limit)| limit);
            (pair, limit)
        })
        .collect()
}
