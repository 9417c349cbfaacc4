//! [`RegistryStore`] for [`PgStore`]: table `registry_record` (migration 0002),
//! kept in step with `point`, `device` and `point_limit` in the same
//! transaction. Registry changes from several processes are serialised by a
//! transaction-level advisory lock (they are rare and validated as a whole).

use ::postgres::{GenericClient, Transaction};
use model::registry::RecordStatus;
use model::{Instant, PointId};

use super::{database_error, select, select_opt, upsert_device_in, upsert_point_in};
use crate::encoding::{json_text, millis};
use crate::registry_sync::{audit_detail, choose_point_limits, registry_action};
use crate::rows::{REGISTRY_COLUMNS, StoredRow, decode_registry_record};
use crate::{
    ApplyReport, AuditEntry, DeviceLeniency, Error, NewDevice, NewPoint, PgStore, RegistryChange,
    RegistryEntity, RegistryKind, RegistryRecord, RegistryStore, Result,
};

/// The advisory lock key that serialises registry changes ("qs-regis").
pub(super) const REGISTRY_LOCK: i64 = 0x0071_732d_7265_6769;

fn load(
    client: &mut impl GenericClient,
    kind: RegistryKind,
    key: &str,
) -> Result<Option<RegistryRecord>> {
    select_opt(
        client,
        "reading a registry record",
        &format!("{REGISTRY_COLUMNS} WHERE kind = $1 AND key = $2"),
        &[&kind.as_str(), &key],
        decode_registry_record,
    )
}

fn load_kind(client: &mut impl GenericClient, kind: RegistryKind) -> Result<Vec<RegistryRecord>> {
    select(
        client,
        "reading registry records",
        &format!("{REGISTRY_COLUMNS} WHERE kind = $1 ORDER BY key"),
        &[&kind.as_str()],
        decode_registry_record,
    )
}

/// The record `kind`/`key` inside `tx`, or [`Error::NotFound`] naming it.
fn require(tx: &mut Transaction<'_>, kind: RegistryKind, key: &str) -> Result<RegistryRecord> {
    load(tx, kind, key)?
        .ok_or_else(|| Error::NotFound { entity: kind.as_str(), id: key.to_owned() })
}

/// Links the record to its point (creating or updating the point), or to its
/// device; returns the point id for point-linked records.
fn sync_linked(tx: &mut Transaction<'_>, change: &RegistryChange) -> Result<Option<PointId>> {
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
                        "UPDATE point SET enterprise = $1 WHERE id = $2",
                        &[&enterprise.name, &point.0],
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
            let point = select_opt(
                tx,
                DURING,
                "SELECT id FROM point WHERE code = $1",
                &[&device.point],
                |row| row.required_int(0, "point", "id"),
            )?
            .ok_or_else(|| Error::NotFound { entity: "point", id: device.point.clone() })?;
            // A device's leniency is set by field engineers, not by the registry: keep it.
            let leniency = select_opt(
                tx,
                DURING,
                "SELECT leniency FROM device WHERE mn = $1",
                &[&device.mn.as_str()],
                |row| row.required_text(0, "device", "leniency"),
            )?
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
                "UPDATE device SET retired = $1 WHERE mn = $2",
                &[&(change.status == RecordStatus::Retired), &device.mn.as_str()],
            )
            .map_err(database_error(DURING))?;
        }
        _ => {}
    }
    Ok(None)
}

/// Makes `point_limit` reflect the permits (see [`choose_point_limits`]).
fn sync_point_limits(tx: &mut Transaction<'_>) -> Result<()> {
    const DURING: &str = "deriving point limits from permits";
    let permits = load_kind(tx, RegistryKind::Permit)?;
    let outlets = load_kind(tx, RegistryKind::Outlet)?;
    let limits = load_kind(tx, RegistryKind::Limit)?;
    for ((point, param), limit) in choose_point_limits(&permits, &outlets, &limits) {
        match limit {
            Some(limit) => {
                let limit = json_text(&limit, DURING)?;
                tx.execute(
                    "INSERT INTO point_limit (point_id, param, limit_json) VALUES ($1, $2, $3)
                     ON CONFLICT (point_id, param) DO UPDATE SET limit_json = excluded.limit_json",
                    &[&point.0, &param, &limit],
                )
                .map_err(database_error(DURING))?;
            }
            None => {
                tx.execute(
                    "DELETE FROM point_limit WHERE point_id = $1 AND param = $2",
                    &[&point.0, &param],
                )
                .map_err(database_error(DURING))?;
            }
        }
    }
    Ok(())
}

impl RegistryStore for PgStore {
    fn registry_records(&self, kind: RegistryKind) -> Result<Vec<RegistryRecord>> {
        self.read(|client| load_kind(client, kind))
    }

    fn registry_record(&self, kind: RegistryKind, key: &str) -> Result<Option<RegistryRecord>> {
        self.read(|client| load(client, kind, key))
    }

    fn apply_registry(
        &self,
        changes: &[RegistryChange],
        actor: &str,
        at: Instant,
    ) -> Result<ApplyReport> {
        self.write_audited("committing registry changes", |tx, audit| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REGISTRY_LOCK])
                .map_err(database_error("locking the registry"))?;
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
                tx.execute(
                    "INSERT INTO registry_record (kind, key, status, sample, point_id, data, updated_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (kind, key) DO UPDATE SET status = excluded.status,
                         sample = excluded.sample, point_id = excluded.point_id,
                         data = excluded.data, updated_ms = excluded.updated_ms",
                    &[
                        &kind.as_str(),
                        &key,
                        &change.status.as_str(),
                        &change.sample,
                        &point.map(|point| point.0),
                        &data,
                        &millis(at),
                    ],
                )
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
