//! [`RegistryStore`] for [`SqliteStore`]: table `registry_record` (migration 5),
//! kept in step with `point`, `device` and `point_limit` in the same transaction.

use std::collections::{BTreeMap, BTreeSet};

use model::registry::RecordStatus;
use model::{Instant, PointId};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{
    collect, column, database_error, instant_column, json_column, json_text, millis,
    upsert_device_in, upsert_point_in,
};
use crate::{
    ApplyReport, AuditEntry, DeviceLeniency, Error, NewDevice, NewPoint, RegistryChange,
    RegistryEntity, RegistryKind, RegistryRecord, RegistryStore, Result, SqliteStore,
};

const TABLE: &str = "registry_record";
const COLUMNS: &str = "SELECT data, status, sample, point_id, updated_ms FROM registry_record";

fn decode_record(row: &Row<'_>) -> Result<RegistryRecord> {
    let status: String = column(row, 1, TABLE, "status")?;
    let status = RecordStatus::parse(&status).ok_or_else(|| Error::Corrupt {
        table: TABLE,
        column: "status",
        detail: format!("unknown status {status:?}"),
    })?;
    Ok(RegistryRecord {
        entity: json_column(row, 0, TABLE, "data")?,
        status,
        sample: column(row, 2, TABLE, "sample")?,
        point: column::<Option<i64>>(row, 3, TABLE, "point_id")?.map(PointId),
        updated_at: instant_column(row, 4, TABLE, "updated_ms")?,
    })
}

fn load(conn: &Connection, kind: RegistryKind, key: &str) -> Result<Option<RegistryRecord>> {
    const DURING: &str = "reading a registry record";
    let mut statement = conn
        .prepare_cached(&format!("{COLUMNS} WHERE kind = ?1 AND key = ?2"))
        .map_err(database_error(DURING))?;
    let mut rows = statement.query(params![kind.as_str(), key]).map_err(database_error(DURING))?;
    match rows.next().map_err(database_error(DURING))? {
        Some(row) => decode_record(row).map(Some),
        None => Ok(None),
    }
}

fn load_kind(conn: &Connection, kind: RegistryKind) -> Result<Vec<RegistryRecord>> {
    const DURING: &str = "reading registry records";
    let mut statement = conn
        .prepare_cached(&format!("{COLUMNS} WHERE kind = ?1 ORDER BY key"))
        .map_err(database_error(DURING))?;
    let rows = statement.query(params![kind.as_str()]).map_err(database_error(DURING))?;
    collect(rows, DURING, decode_record)
}

/// The record `kind`/`key` inside `tx`, or [`Error::NotFound`] naming it.
fn require(tx: &Transaction<'_>, kind: RegistryKind, key: &str) -> Result<RegistryRecord> {
    load(tx, kind, key)?
        .ok_or_else(|| Error::NotFound { entity: kind.as_str(), id: key.to_owned() })
}

/// A record as the audit log shows it: a device's password hash is replaced
/// by a marker (the audit log is append-only, so no secret material goes in).
fn audit_view(entity: &RegistryEntity, status: RecordStatus, sample: bool) -> serde_json::Value {
    let mut entity = entity.clone();
    if let RegistryEntity::Device(device) = &mut entity {
        device.password_hash = "(redacted)".to_owned();
    }
    serde_json::json!({ "status": status, "sample": sample, "entity": entity })
}

fn password_changed(before: Option<&RegistryRecord>, after: &RegistryEntity) -> Option<bool> {
    let RegistryEntity::Device(after) = after else { return None };
    Some(match before.map(|record| &record.entity) {
        Some(RegistryEntity::Device(before)) => before.password_hash != after.password_hash,
        _ => true,
    })
}

/// Links the record to its point (creating or updating the point), or to its
/// device; returns the point id for point-linked records.
fn sync_linked(tx: &Transaction<'_>, change: &RegistryChange) -> Result<Option<PointId>> {
    let entity = &change.entity;
    if let Some(point_kind) = entity.point_kind() {
        let enterprise = match entity {
            RegistryEntity::Outlet(outlet) => {
                match require(tx, RegistryKind::Enterprise, outlet.enterprise.as_str())?.entity {
                    RegistryEntity::Enterprise(enterprise) => Some(enterprise.name),
                    _ => None,
                }
            }
            _ => None,
        };
        let point = upsert_point_in(
            tx,
            &NewPoint {
                code: entity.key(),
                name: entity.name().unwrap_or_default().to_owned(),
                kind: point_kind,
                enterprise,
                simulated: change.sample,
            },
        )?;
        return Ok(Some(point));
    }
    match entity {
        RegistryEntity::Enterprise(enterprise) => {
            // Its outlets' points show its name: keep them in step with a rename.
            for record in load_kind(tx, RegistryKind::Outlet)? {
                if let (RegistryEntity::Outlet(outlet), Some(point)) =
                    (&record.entity, record.point)
                    && outlet.enterprise == enterprise.uscc
                {
                    tx.execute(
                        "UPDATE point SET enterprise = ?1 WHERE id = ?2",
                        params![enterprise.name, point.0],
                    )
                    .map_err(database_error("renaming an outlet's enterprise"))?;
                }
            }
        }
        RegistryEntity::Permit(permit) => {
            require(tx, RegistryKind::Enterprise, permit.enterprise.as_str())?;
        }
        RegistryEntity::Limit(limit) => {
            require(tx, RegistryKind::Permit, &limit.permit)?;
            require(tx, RegistryKind::Outlet, &limit.outlet)?;
        }
        RegistryEntity::Device(device) => {
            const DURING: &str = "linking a device to its point";
            let point: i64 = tx
                .query_row("SELECT id FROM point WHERE code = ?1", params![device.point], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(database_error(DURING))?
                .ok_or_else(|| Error::NotFound { entity: "point", id: device.point.clone() })?;
            // A device's leniency is set by field engineers, not by the registry: keep it.
            let leniency: String = tx
                .query_row(
                    "SELECT leniency FROM device WHERE mn = ?1",
                    params![device.mn.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(database_error(DURING))?
                .map_or_else(|| json_text(&DeviceLeniency::default(), DURING), Ok)?;
            upsert_device_in(
                tx,
                &NewDevice {
                    mn: device.mn.clone(),
                    password_hash: device.password_hash.clone(),
                    protocol: device.protocol.clone(),
                    point: PointId(point),
                    leniency: DeviceLeniency::default(),
                    simulated: change.sample,
                },
                &leniency,
            )?;
            tx.execute(
                "UPDATE device SET retired = ?1 WHERE mn = ?2",
                params![change.status == RecordStatus::Retired, device.mn.as_str()],
            )
            .map_err(database_error(DURING))?;
        }
        _ => {}
    }
    Ok(None)
}

/// Makes `point_limit` reflect the permits: for every (outlet point,
/// parameter) named by a limit record, the concentration limit of an active
/// limit of an active permit (the permit valid longest wins), or no row.
fn sync_point_limits(tx: &Transaction<'_>) -> Result<()> {
    const DURING: &str = "deriving point limits from permits";
    let permits: BTreeMap<String, (RecordStatus, chrono::NaiveDate)> =
        load_kind(tx, RegistryKind::Permit)?
            .into_iter()
            .filter_map(|record| match record.entity {
                RegistryEntity::Permit(permit) => {
                    Some((permit.number, (record.status, permit.valid_to)))
                }
                _ => None,
            })
            .collect();
    let outlets: BTreeMap<String, PointId> = load_kind(tx, RegistryKind::Outlet)?
        .into_iter()
        .filter_map(|record| Some((record.entity.key(), record.point?)))
        .collect();
    let mut named = BTreeSet::new();
    let mut chosen: BTreeMap<(PointId, String), (chrono::NaiveDate, serde_json::Value)> =
        BTreeMap::new();
    for record in load_kind(tx, RegistryKind::Limit)? {
        let RegistryEntity::Limit(limit) = record.entity else { continue };
        let Some(&point) = outlets.get(&limit.outlet) else { continue };
        let pair = (point, limit.param.to_string());
        named.insert(pair.clone());
        let Some(&(permit_status, valid_to)) = permits.get(&limit.permit) else { continue };
        if record.status != RecordStatus::Active || permit_status != RecordStatus::Active {
            continue;
        }
        if chosen.get(&pair).is_none_or(|(best, _)| valid_to > *best) {
            chosen.insert(pair, (valid_to, limit.concentration));
        }
    }
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO point_limit (point_id, param, limit_json) VALUES (?1, ?2, ?3)
             ON CONFLICT (point_id, param) DO UPDATE SET limit_json = excluded.limit_json",
        )
        .map_err(database_error(DURING))?;
    let mut remove = tx
        .prepare_cached("DELETE FROM point_limit WHERE point_id = ?1 AND param = ?2")
        .map_err(database_error(DURING))?;
    for pair in named {
        match chosen.get(&pair) {
            Some((_, limit)) => {
                let limit = json_text(limit, DURING)?;
                upsert.execute(params![pair.0.0, pair.1, limit]).map_err(database_error(DURING))?;
            }
            None => {
                remove.execute(params![pair.0.0, pair.1]).map_err(database_error(DURING))?;
            }
        }
    }
    Ok(())
}

impl RegistryStore for SqliteStore {
    fn registry_records(&self, kind: RegistryKind) -> Result<Vec<RegistryRecord>> {
        self.read(|conn| load_kind(conn, kind))
    }

    fn registry_record(&self, kind: RegistryKind, key: &str) -> Result<Option<RegistryRecord>> {
        self.read(|conn| load(conn, kind, key))
    }

    fn apply_registry(
        &self,
        changes: &[RegistryChange],
        actor: &str,
        at: Instant,
    ) -> Result<ApplyReport> {
        self.write_audited("committing registry changes", |tx, audit| {
            let mut report = ApplyReport::default();
            let mut limits_touched = false;
            for change in changes {
                let kind = change.entity.kind();
                let key = change.entity.key();
                let before = load(tx, kind, &key)?;
                if before.as_ref().is_some_and(|before| {
                    before.entity == change.entity
                        && before.status == change.status
                        && before.sample == change.sample
                }) {
                    report.n_unchanged += 1;
                    continue;
                }
                let point = sync_linked(tx, change)?;
                limits_touched |= matches!(kind, RegistryKind::Limit | RegistryKind::Permit);
                let data = json_text(&change.entity, "encoding a registry record")?;
                tx.prepare_cached(
                    "INSERT INTO registry_record (kind, key, status, sample, point_id, data, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (kind, key) DO UPDATE SET status = excluded.status,
                         sample = excluded.sample, point_id = excluded.point_id,
                         data = excluded.data, updated_ms = excluded.updated_ms",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        kind.as_str(),
                        key,
                        change.status.as_str(),
                        change.sample,
                        point.map(|point| point.0),
                        data,
                        millis(at)
                    ])
                })
                .map_err(database_error("writing a registry record"))?;
                let was_active = before.as_ref().map(|before| before.status);
                let action = match (was_active, change.status) {
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
                };
                let mut detail = serde_json::json!({
                    "before": before.as_ref().map(|before| audit_view(&before.entity, before.status, before.sample)),
                    "after": audit_view(&change.entity, change.status, change.sample),
                });
                if let Some(changed) = password_changed(before.as_ref(), &change.entity) {
                    detail["password_changed"] = serde_json::Value::Bool(changed);
                }
                audit.push(AuditEntry {
                    at,
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    subject: format!("{}:{key}", kind.as_str()),
                    detail,
                });
            }
            if limits_touched {
                sync_point_limits(tx)?;
            }
            Ok(report)
        })
    }
}
