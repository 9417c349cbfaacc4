//! [`SupervisionStore`] for [`PgStore`]: table `grid_cell` and column
//! `alarm.escalation_level` (migration 0004, the mirror of SQLite 0011). Grid
//! changes take the registry's advisory lock (a cell names a registry town);
//! escalations lock each alarm row like every other alarm change.

use model::Instant;
use model::alarm::AlarmId;

use super::alarm::{insert_event, queue, require_alarm};
use super::registry::REGISTRY_LOCK;
use super::{database_error, select, select_opt};
use crate::encoding::{json_text, millis};
use crate::rows::{GRID_COLUMNS, decode_grid_record};
use crate::supervision::{
    ESCALATION_ACTOR, escalation_applies, escalation_assignee, escalation_audit, escalation_detail,
    grid_write,
};
use crate::{
    ApplyReport, Error, Escalation, GridChange, GridRecord, PgStore, RegistryKind, Result,
    SupervisionStore,
};

impl SupervisionStore for PgStore {
    fn grid_cells(&self) -> Result<Vec<GridRecord>> {
        self.read(|client| {
            select(
                client,
                "reading grid cells",
                &format!("{GRID_COLUMNS} ORDER BY town"),
                &[],
                decode_grid_record,
            )
        })
    }

    fn apply_grid(&self, changes: &[GridChange], actor: &str, at: Instant) -> Result<ApplyReport> {
        self.write_audited("applying grid cells", |tx, audit| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REGISTRY_LOCK])
                .map_err(database_error("locking the registry"))?;
            let mut report = ApplyReport::default();
            for change in changes {
                let town = &change.cell.town;
                let is_town = tx
                    .query_opt(
                        "SELECT 1 FROM registry_record WHERE kind = $1 AND key = $2",
                        &[&RegistryKind::Town.as_str(), town],
                    )
                    .map_err(database_error("checking a grid cell's town"))?;
                if is_town.is_none() {
                    return Err(Error::NotFound { entity: "town", id: town.clone() });
                }
                let before = select_opt(
                    tx,
                    "reading a grid cell",
                    &format!("{GRID_COLUMNS} WHERE town = $1"),
                    &[town],
                    decode_grid_record,
                )?;
                let Some((after, entry)) =
                    grid_write(before.as_ref(), change, actor, at, &mut report)
                else {
                    continue;
                };
                let inspectors = json_text(&after.cell.inspectors, "encoding grid inspectors")?;
                tx.execute(
                    "INSERT INTO grid_cell (town, name, inspectors, status, sample, updated_ms)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (town) DO UPDATE SET name = excluded.name,
                         inspectors = excluded.inspectors, status = excluded.status,
                         sample = excluded.sample, updated_ms = excluded.updated_ms",
                    &[
                        town,
                        &after.cell.name,
                        &inspectors,
                        &after.status.as_str(),
                        &after.sample,
                        &millis(at),
                    ],
                )
                .map_err(database_error("writing a grid cell"))?;
                audit.push(entry);
            }
            Ok(report)
        })
    }

    fn escalate(&self, escalations: &[Escalation], at: Instant) -> Result<Vec<AlarmId>> {
        self.write_audited("escalating alarms", |tx, audit| {
            let mut escalated = Vec::new();
            for escalation in escalations {
                tx.execute("SELECT 1 FROM alarm WHERE id = $1 FOR UPDATE", &[&escalation.alarm.0])
                    .map_err(database_error("locking an alarm"))?;
                let before = require_alarm(tx, escalation.alarm)?;
                if !escalation_applies(&before, escalation) {
                    continue;
                }
                let assignee = escalation_assignee(escalation);
                let level = i32::try_from(escalation.level).unwrap_or(i32::MAX);
                tx.execute(
                    "UPDATE alarm SET escalated_ms = $2, escalation_level = $3,
                         assignee = coalesce($4, assignee)
                     WHERE id = $1",
                    &[&escalation.alarm.0, &millis(at), &level, &assignee],
                )
                .map_err(database_error("escalating an alarm"))?;
                let after = require_alarm(tx, escalation.alarm)?;
                let detail = escalation_detail(escalation, &before, &after);
                insert_event(tx, after.id, at, ESCALATION_ACTOR, "escalated", None, &detail)?;
                audit.push(escalation_audit(at, &before, &after));
                queue(tx, &after, "escalated", &escalation.channels, at)?;
                escalated.push(after.id);
            }
            Ok(escalated)
        })
    }
}
