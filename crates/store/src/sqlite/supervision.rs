//! [`SupervisionStore`] for [`SqliteStore`]: table `grid_cell` and column
//! `alarm.escalation_level` (migration `0011_supervision.sql`).

use model::Instant;
use model::alarm::AlarmId;
use rusqlite::{OptionalExtension, Transaction, params};

use super::alarm::{insert_event, queue, require_alarm};
use super::{collect, database_error, json_text, millis};
use crate::rows::{GRID_COLUMNS, decode_grid_record};
use crate::supervision::{
    ESCALATION_ACTOR, escalation_applies, escalation_assignee, escalation_audit, escalation_detail,
    grid_write,
};
use crate::{
    ApplyReport, Error, Escalation, GridChange, GridRecord, RegistryKind, Result, SqliteStore,
    SupervisionStore,
};

fn load_grid(tx: &Transaction<'_>, town: &str) -> Result<Option<GridRecord>> {
    const DURING: &str = "reading a grid cell";
    let mut statement = tx
        .prepare_cached(&format!("{GRID_COLUMNS} WHERE town = ?1"))
        .map_err(database_error(DURING))?;
    let mut rows = statement.query(params![town]).map_err(database_error(DURING))?;
    match rows.next().map_err(database_error(DURING))? {
        Some(row) => decode_grid_record(row).map(Some),
        None => Ok(None),
    }
}

impl SupervisionStore for SqliteStore {
    fn grid_cells(&self) -> Result<Vec<GridRecord>> {
        const DURING: &str = "reading grid cells";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!("{GRID_COLUMNS} ORDER BY town"))
                .map_err(database_error(DURING))?;
            let rows = statement.query([]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_grid_record(row))
        })
    }

    fn apply_grid(&self, changes: &[GridChange], actor: &str, at: Instant) -> Result<ApplyReport> {
        self.write_audited("applying grid cells", |tx, audit| {
            let mut report = ApplyReport::default();
            for change in changes {
                let town = &change.cell.town;
                let is_town: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM registry_record WHERE kind = ?1 AND key = ?2",
                        params![RegistryKind::Town.as_str(), town],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(database_error("checking a grid cell's town"))?;
                if is_town.is_none() {
                    return Err(Error::NotFound { entity: "town", id: town.clone() });
                }
                let before = load_grid(tx, town)?;
                let Some((after, entry)) =
                    grid_write(before.as_ref(), change, actor, at, &mut report)
                else {
                    continue;
                };
                let inspectors = json_text(&after.cell.inspectors, "encoding grid inspectors")?;
                tx.prepare_cached(
                    "INSERT INTO grid_cell (town, name, inspectors, status, sample, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (town) DO UPDATE SET name = excluded.name,
                         inspectors = excluded.inspectors, status = excluded.status,
                         sample = excluded.sample, updated_ms = excluded.updated_ms",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        town,
                        after.cell.name,
                        inspectors,
                        after.status.as_str(),
                        after.sample,
                        millis(at)
                    ])
                })
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
                let before = require_alarm(tx, escalation.alarm)?;
                if !escalation_applies(&before, escalation) {
                    continue;
                }
                tx.prepare_cached(
                    "UPDATE alarm SET escalated_ms = ?2, escalation_level = ?3,
                         assignee = coalesce(?4, assignee)
                     WHERE id = ?1",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        escalation.alarm.0,
                        millis(at),
                        escalation.level,
                        escalation_assignee(escalation)
                    ])
                })
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
