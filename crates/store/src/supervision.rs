//! Grid supervision (网格化监管): which inspectors answer for each town
//! ([`GridCell`]), and the escalation of alarms up configured levels.
//!
//! **Grid cells.** One cell per registry town, keyed by the town's code, with
//! an ordered list of inspector logins (primary, deputy, …). Cells are never
//! deleted: they are retired. Logins are not required to name stored users
//! (a cell may be imported before the accounts exist); who is assigned is
//! recorded as the login.
//!
//! **Escalation levels.** An open alarm carries the highest level it has
//! been escalated to ([`crate::Alarm::escalation_level`], 0 for none).
//! [`SupervisionStore::escalate`] raises it, optionally hands the alarm to a
//! new assignee, records an `escalated` event in its history and queues the
//! level's notifications, all in one audited transaction.
//!
//! Every change is audited in its own transaction: actions `grid_created`,
//! `grid_updated`, `grid_retired` (subject `grid:<town>`) and
//! `alarm_escalated` (subject `alarm:<id>`), detail `{"before": …, "after": …}`.

use model::Instant;
use model::alarm::AlarmId;
use model::registry::{GridCell, RecordStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{ApplyReport, AuditEntry, Result};

/// A grid cell to create or update (by town), with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridChange {
    /// The cell.
    pub cell: GridCell,
    /// Active, or retired (a retired cell keeps its content).
    pub status: RecordStatus,
    /// True for sample (demo) data.
    pub sample: bool,
}

/// A stored grid cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRecord {
    /// The cell.
    pub cell: GridCell,
    /// Active or retired.
    pub status: RecordStatus,
    /// True for sample (demo) data.
    pub sample: bool,
    /// When it was last changed.
    pub updated_at: Instant,
}

/// One escalation of an open alarm to a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// The alarm.
    pub alarm: AlarmId,
    /// The level reached (1 for the first). Applied only if the alarm is
    /// still open and below this level.
    pub level: u32,
    /// Who handles it from now on; `None` keeps the assignee.
    pub assignee: Option<String>,
    /// Channels to notify of the escalation.
    pub channels: Vec<String>,
    /// Why, as JSON (e.g. the level's delay and target), kept in the history.
    pub detail: serde_json::Value,
}

/// Storage of grid cells and of alarm escalations.
pub trait SupervisionStore: Send + Sync {
    /// Every grid cell (active and retired), ordered by town code.
    fn grid_cells(&self) -> Result<Vec<GridRecord>>;

    /// Applies `changes` in order in one transaction, with one audit entry
    /// (by `actor`, at `at`) per cell created or changed; durable on return.
    /// A change equal to the stored cell writes nothing. Fails without
    /// changing anything with [`crate::Error::NotFound`] if a cell's town is
    /// not a registry town.
    fn apply_grid(&self, changes: &[GridChange], actor: &str, at: Instant) -> Result<ApplyReport>;

    /// Applies `escalations` at `at` in one audited transaction (actor
    /// `system:alarms`); durable on return. An escalation of an alarm that is
    /// no longer open, or already at that level or higher, changes nothing.
    /// Returns the alarms escalated.
    fn escalate(&self, escalations: &[Escalation], at: Instant) -> Result<Vec<AlarmId>>;
}

/// What writing `change` over `before` (the stored cell, if any) does, the
/// same on every backend: `None` when nothing changes (counted unchanged), else
/// the record to write and its audit entry (counted created, updated or
/// retired). Sample data stays sample data when edited.
pub(crate) fn grid_write(
    before: Option<&GridRecord>,
    change: &GridChange,
    actor: &str,
    at: Instant,
    report: &mut ApplyReport,
) -> Option<(GridRecord, AuditEntry)> {
    let sample = change.sample || before.is_some_and(|record| record.sample);
    let after =
        GridRecord { cell: change.cell.clone(), status: change.status, sample, updated_at: at };
    if let Some(before) = before
        && before.cell == after.cell
        && before.status == after.status
    {
        report.n_unchanged += 1;
        return None;
    }
    let retiring = change.status == RecordStatus::Retired
        && before.is_none_or(|record| record.status != RecordStatus::Retired);
    let action = match (before, retiring) {
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
    let view = |record: &GridRecord| json!({ "status": record.status, "sample": record.sample, "cell": record.cell });
    let audit = AuditEntry {
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: format!("grid:{}", change.cell.town),
        detail: json!({ "before": before.map(view), "after": view(&after) }),
    };
    Some((after, audit))
}

/// Whether `escalation` applies to `alarm`: it is open and below the level.
pub(crate) fn escalation_applies(alarm: &crate::Alarm, escalation: &Escalation) -> bool {
    alarm.state == model::alarm::AlarmState::Open && alarm.escalation_level < escalation.level
}

/// The history detail of an escalation from `before` to `after`.
pub(crate) fn escalation_detail(
    escalation: &Escalation,
    before: &crate::Alarm,
    after: &crate::Alarm,
) -> serde_json::Value {
    json!({
        "level": escalation.level,
        "from_level": before.escalation_level,
        "assignee_before": before.assignee,
        "assignee": after.assignee,
        "why": escalation.detail,
    })
}

/// Who escalations are recorded by.
pub(crate) const ESCALATION_ACTOR: &str = "system:alarms";

/// The assignee an escalation hands the alarm to (`None`: keep the current one).
pub(crate) fn escalation_assignee(escalation: &Escalation) -> Option<&str> {
    escalation.assignee.as_deref().map(str::trim).filter(|name| !name.is_empty())
}

/// The audit entry of an escalation from `before` to `after`.
pub(crate) fn escalation_audit(
    at: Instant,
    before: &crate::Alarm,
    after: &crate::Alarm,
) -> AuditEntry {
    crate::alarm_sync::alarm_audit(at, ESCALATION_ACTOR, "alarm_escalated", Some(before), after)
}
