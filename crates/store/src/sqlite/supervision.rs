//! [`SupervisionStore`] for [`SqliteStore`]: table `grid_cell` and column
//! `alarm.escalation_level` (migration `0011_supervision.sql`).

use model::Instant;
use model::alarm::AlarmId;
use model::registry::{GridCell, RecordStatus};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::alarm::{alarm_audit, insert_event, queue, require_alarm};
use super::registry::status_column;
use super::{collect, column, database_error, instant_column, json_column, json_text, millis};
use crate::{
    ApplyReport, AuditEntry, Error, Escalation, GridChange, GridRecord, RegistryKind, Result,
    SqliteStore, SupervisionStore,
};

const TABLE: &str = "grid_cell";
const COLUMNS: &str = "SELECT town, name, inspectors, status, sample, updated_ms FROM grid_cell";

/// Who escalations are recorded by.
const ACTOR: &str = "system:alarms";

fn decode_grid(row: &Row<'_>) -> Result<GridRecord> {
    let status = status_column(row, 3, TABLE)?;
    Ok(GridRecord {
        cell: GridCell {
            town: column(row, 0, TABLE, "town")?,
            name: column(row, 1, TABLE, "name")?,
            inspectors: json_column(row, 2, TABLE, "inspectors")?,
        },
        status,
        sample: column(row, 4, TABLE, "sample")?,
        updated_at: instant_column(row, 5, TABLE, "updated_ms")?,
    })
}

fn load_grid(tx: &Transaction<'_>, town: &str) -> Result<Option<GridRecord>> {
    const DURING: &str = "reading a grid cell";
    let mut statement =
        tx.prepare_cached(&format!("{COLUMNS} WHERE town = ?1")).map_err(database_error(DURING))?;
    let mut rows = statement.query(params![town]).map_err(database_error(DURING))?;
    match rows.next().map_err(database_error(DURING))? {
        Some(row) => decode_grid(row).map(Some),
        None => Ok(None),
    }
}

fn audit_view(record: &GridRecord) -> serde_json::Value {
    json!({ "status": record.status, "sample": record.sample, "cell": record.cell })
}

impl SupervisionStore for SqliteStore {
    fn grid_cells(&self) -> Result<Vec<GridRecord>> {
        const DURING: &str = "reading grid cells";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!("{COLUMNS} ORDER BY town"))
                .map_err(database_error(DURING))?;
            let rows = statement.query([]).map_err(database_error(DURING))?;
            collect(rows, DURING, decode_grid)
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
                // Sample data stays sample data when edited.
                let sample = change.sample || before.as_ref().is_some_and(|record| record.sample);
                let after = GridRecord {
                    cell: change.cell.clone(),
                    status: change.status,
                    sample,
                    updated_at: at,
                };
                if let Some(before) = &before
                    && before.cell == after.cell
                    && before.status == after.status
                {
                    report.n_unchanged += 1;
                    continue;
                }
                let inspectors = json_text(&change.cell.inspectors, "encoding grid inspectors")?;
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
                        change.cell.name,
                        inspectors,
                        change.status.as_str(),
                        sample,
                        millis(at)
                    ])
                })
                .map_err(database_error("writing a grid cell"))?;
                let retiring = change.status == RecordStatus::Retired
                    && before.as_ref().is_none_or(|record| record.status != RecordStatus::Retired);
                let action = match (&before, retiring) {
                    (_, true) => "grid_retired",
                    (None, false) => "grid_created",
                    (Some(_), false) => "grid_updated",
                };
                if before.is_none() {
                    report.n_created += 1;
                } else {
                    report.n_updated += 1;
                }
                if retiring {
                    report.n_retired += 1;
                }
                audit.push(AuditEntry {
                    at,
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    subject: format!("grid:{town}"),
                    detail: json!({
                        "before": before.as_ref().map(audit_view),
                        "after": audit_view(&after),
                    }),
                });
            }
            Ok(report)
        })
    }

    fn escalate(&self, escalations: &[Escalation], at: Instant) -> Result<Vec<AlarmId>> {
        self.write_audited("escalating alarms", |tx, audit| {
            let mut escalated = Vec::new();
            for escalation in escalations {
                let before = require_alarm(tx, escalation.alarm)?;
                if before.state != model::alarm::AlarmState::Open
                    || before.escalation_level >= escalation.level
                {
                    continue;
                }
                let assignee = escalation.assignee.as_deref().map(str::trim);
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
                        assignee.filter(|name| !name.is_empty())
                    ])
                })
                .map_err(database_error("escalating an alarm"))?;
                let after = require_alarm(tx, escalation.alarm)?;
                let detail = json!({
                    "level": escalation.level,
                    "from_level": before.escalation_level,
                    "assignee_before": before.assignee,
                    "assignee": after.assignee,
                    "why": escalation.detail,
                });
                insert_event(tx, after.id, at, ACTOR, "escalated", None, &detail)?;
                audit.push(alarm_audit(at, ACTOR, "alarm_escalated", Some(&before), &after));
                queue(tx, &after, "escalated", &escalation.channels, at)?;
                escalated.push(after.id);
            }
            Ok(escalated)
        })
    }
}
