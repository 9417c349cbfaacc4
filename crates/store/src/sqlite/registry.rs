//! [`RegistryStore`] for [`SqliteStore`]: table `registry_record` (migration 5),
//! kept in step with `point`, `device` and `point_limit` in the same transaction.

use model::registry::RecordStatus;
use model::{Instant, PointId};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{collect, database_error, json_text, millis, upsert_device_in, upsert_point_in};
use crate::registry_sync::{audit_detail, choose_point_limits, registry_action};
use crate::rows::{REGISTRY_COLUMNS, decode_registry_record};
use crate::{
    ApplyReport, AuditEntry, DeviceLeniency, Error, NewDevice, NewPoint, RegistryChange,
    RegistryEntity, RegistryKind, RegistryRecord, RegistryStore, Result, SqliteStore,
};

fn load(conn: &Connection, kind: RegistryKind, key: &str) -> Result<Option<RegistryRecord>> {
    const DURING: &str = "reading a registry record";
    let mut statement = conn
        .prepare_cached(&format!("{REGISTRY_COLUMNS} WHERE kind = ?1 AND key = ?2"))
        .map_err(database_error(DURING))?;
    let mut rows = statement.query(params![kind.as_str(), key]).map_err(database_error(DURING))?;
    match rows.next().map_err(database_error(DURING))? {
        Some(row) => decode_registry_record(row).map(Some),
        None => Ok(None),
    }
}

fn load_kind(conn: &Connection, kind: RegistryKind) -> Result<Vec<RegistryRecord>> {
    const DURING: &str = "reading registry records";
    let mut statement = conn
        .prepare_cached(&format!("{REGISTRY_COLUMNS} WHERE kind = ?1 ORDER BY key"))
        .map_err(database_error(DURING))?;
    let rows = statement.query(params![kind.as_str()]).map_err(database_error(DURING))?;
    collect(rows, DURING, |row| decode_registry_record(row))
}

/// The record `kind`/`key` inside `tx`, or [`Error::NotFound`] naming it.
fn require(tx: &Transaction<'_>, kind: RegistryKind, key: &str) -> Result<RegistryRecord> {
    load(tx, kind, key)?
        .ok_or_else(|| Error::NotFound { entity: kind.as_str(), id: key.to_owned() })
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

/// Makes `point_limit` reflect the permits (see [`choose_point_limits`]).
fn sync_point_limits(tx: &Transaction<'_>) -> Result<()> {
    const DURING: &str = "deriving point limits from permits";
    let permits = load_kind(tx, RegistryKind::Permit)?;
    let outlets = load_kind(tx, RegistryKind::Outlet)?;
    let limits = load_kind(tx, RegistryKind::Limit)?;
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO point_limit (point_id, param, limit_json) VALUES (?1, ?2, ?3)
             ON CONFLICT (point_id, param) DO UPDATE SET limit_json = excluded.limit_json",
        )
        .map_err(database_error(DURING))?;
    let mut remove = tx
        .prepare_cached("DELETE FROM point_limit WHERE point_id = ?1 AND param = ?2")
        .map_err(database_error(DURING))?;
    for ((point, param), limit) in choose_point_limits(&permits, &outlets, &limits) {
        match limit {
            Some(limit) => {
                let limit = json_text(&limit, DURING)?;
                upsert.execute(params![point.0, param, limit]).map_err(database_error(DURING))?;
            }
            None => {
                remove.execute(params![point.0, param]).map_err(database_error(DURING))?;
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
                let action = registry_action(&mut report, before.as_ref(), change.status);
                audit.push(AuditEntry {
                    at,
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    subject: format!("{}:{key}", kind.as_str()),
                    detail: audit_detail(before.as_ref(), change),
                });
            }
            if limits_touched {
                sync_point_limits(tx)?;
            }
            Ok(report)
        })
    }
}
