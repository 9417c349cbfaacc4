//! The `grid` sheet (网格): one row per town with the grid's name and its
//! inspectors' logins in order of duty (primary, deputy, …), validated row
//! by row like the other sheets and stored through
//! [`store::SupervisionStore::apply_grid`].
//!
//! Columns ([`COLUMNS`]): `town` (所在镇: a registry town's code), `name`
//! (网格名称), `inspectors` (网格员: logins separated by `;`, `,`, `、` or
//! `|`, the primary first), `status`. A row may name a town given in the same
//! import ([`import`] validates the registry files and the grid files
//! together). Logins need not belong to existing accounts yet: the primary
//! inspector's login is what new alarms are assigned to.

use crate::reason::{Reason, reason};
use std::collections::{HashMap, HashSet};

use model::Instant;
use model::registry::{GridCell, RecordStatus, parse_inspectors};
use store::{GridChange, RegistryChange, RegistryEntity, RegistryKind, Store};

use crate::import::{Format, ImportFile, ImportReport, Problem, Sheet, plan_rows};
use crate::layout::{Column, STATUS, required};
use crate::{Error, Result};

/// The file stem of the sheet: `grid.csv`, `grid.xlsx`.
pub const STEM: &str = "grid";

/// The sheet's columns, in export order.
pub const COLUMNS: &[Column] = &[
    required("town", "所在镇"),
    required("name", "网格名称"),
    required("inspectors", "网格员"),
    STATUS,
];

/// One grid file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridFile {
    /// Its name, used in problem reports.
    pub name: String,
    /// CSV or XLSX.
    pub format: Format,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Validates `files` against the towns stored and those `registry` (changes
/// planned in the same import) creates or retires; returns the cells to
/// apply, or [`Error::Rejected`] with every problem.
pub fn plan(
    store: &dyn Store,
    files: &[GridFile],
    registry: &[RegistryChange],
    sample: bool,
) -> Result<Vec<GridChange>> {
    Ok(plan_rows_of(store, files, registry, sample)?.1)
}

/// Where each town's grid row was read: (file, line).
type Lines = HashMap<String, (String, usize)>;

/// A warning for each inspector login of an active cell that has no active
/// account: alarms assigned to it would reach nobody's "mine" inbox. Not a
/// refusal, since grid sheets are often imported before the accounts exist.
fn inspectors_without_account(
    store: &dyn Store,
    cells: &[GridChange],
    lines: &Lines,
) -> Result<Vec<Problem>> {
    let active: HashSet<String> = store
        .users()?
        .into_iter()
        .filter(|user| !user.retired)
        .map(|user| user.name.as_str().to_owned())
        .collect();
    let mut warnings = Vec::new();
    for change in cells.iter().filter(|change| change.status == RecordStatus::Active) {
        let (file, line) = lines.get(&change.cell.town).cloned().unwrap_or_default();
        for login in change.cell.inspectors.iter().map(model::account::UserName::as_str) {
            if !active.contains(login) {
                warnings.push(Problem::new(
                    &file,
                    line,
                    Some("inspectors".to_owned()),
                    reason!(
                        "网格员 {login:?} 没有有效账号：分派给其的报警无人接收",
                        "inspector {login:?} has no active account: alarms assigned to this login reach nobody"
                    ),
                ));
            }
        }
    }
    Ok(warnings)
}

fn plan_rows_of(
    store: &dyn Store,
    files: &[GridFile],
    registry: &[RegistryChange],
    sample: bool,
) -> Result<(usize, Vec<GridChange>, Lines)> {
    let mut towns: HashMap<String, RecordStatus> = store
        .registry_records(RegistryKind::Town)?
        .into_iter()
        .map(|record| (record.entity.key(), record.status))
        .collect();
    for change in registry {
        if let RegistryEntity::Town(town) = &change.entity {
            towns.insert(town.code.clone(), change.status);
        }
    }
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    let mut n_rows = 0;
    let mut lines_by_town: Lines = HashMap::new();
    for file in files {
        let problem = |line: usize, column: Option<&str>, reason: Reason| {
            Problem::new(&file.name, line, column.map(str::to_owned), reason)
        };
        let Some(sheet) = Sheet::read(&file.name, file.format, &file.bytes, COLUMNS, &mut problems)
        else {
            continue;
        };
        for (line, mut row) in sheet.rows() {
            n_rows += 1;
            let status = row.status();
            let town = row.text("town");
            let name = row.text("name");
            let inspectors = row.parse("inspectors", |text| {
                parse_inspectors(text).map_err(|error| crate::reason::grid(&error))
            });
            for (column, reason) in row.problems.drain(..) {
                problems.push(problem(line, Some(column), reason));
            }
            let (Some(status), Some(inspectors)) = (status, inspectors) else { continue };
            if town.is_empty() || name.is_empty() {
                continue;
            }
            match towns.get(&town) {
                None => {
                    problems.push(problem(
                        line,
                        Some("town"),
                        reason!("乡镇 {town:?} 不存在", "town {town:?} does not exist"),
                    ));
                    continue;
                }
                Some(RecordStatus::Retired) if status == RecordStatus::Active => {
                    problems.push(problem(
                        line,
                        Some("town"),
                        reason!("乡镇 {town:?} 已停用", "town {town:?} is retired"),
                    ));
                    continue;
                }
                Some(_) => {}
            }
            if let Some((first_file, first_line)) =
                lines_by_town.insert(town.clone(), (file.name.clone(), line))
            {
                problems.push(problem(
                    line,
                    Some("town"),
                    reason!(
                        "乡镇 {town:?} 已在 {first_file} 第 {first_line} 行设有网格",
                        "town {town:?} already has a grid cell at {first_file}, line {first_line}"
                    ),
                ));
                continue;
            }
            changes.push(GridChange { cell: GridCell { town, name, inspectors }, status, sample });
        }
    }
    if problems.is_empty() {
        Ok((n_rows, changes, lines_by_town))
    } else {
        Err(Error::Rejected { problems })
    }
}

/// Validates the registry files and the grid files together and, if every
/// row is good, applies the registry changes, then the grid cells, each in
/// one audited transaction (by `actor`, at `at`); returns what each did.
/// Nothing is applied if any row is bad: [`Error::Rejected`] lists every
/// problem of both.
pub fn import(
    store: &dyn Store,
    registry_files: &[ImportFile],
    grid_files: &[GridFile],
    actor: &str,
    at: Instant,
    sample: bool,
) -> Result<(ImportReport, ImportReport)> {
    let registry = plan_rows(store, registry_files, sample);
    let planned = registry.as_ref().map(|(_, changes)| changes.as_slice()).unwrap_or_default();
    let grid = plan_rows_of(store, grid_files, planned, sample);
    let ((n_registry_rows, changes), (n_grid_rows, cells, lines)) = match (registry, grid) {
        (Ok(registry), Ok(grid)) => (registry, grid),
        (registry, grid) => {
            let mut problems = Vec::new();
            for outcome in [registry.err(), grid.err()].into_iter().flatten() {
                match outcome {
                    Error::Rejected { problems: found } => problems.extend(found),
                    other => return Err(other),
                }
            }
            return Err(Error::Rejected { problems });
        }
    };
    let applied = if changes.is_empty() {
        store::ApplyReport::default()
    } else {
        store.apply_registry(&changes, actor, at)?
    };
    let grid_applied = if cells.is_empty() {
        store::ApplyReport::default()
    } else {
        store.apply_grid(&cells, actor, at)?
    };
    Ok((
        ImportReport { n_rows: n_registry_rows, applied, warnings: Vec::new() },
        ImportReport {
            n_rows: n_grid_rows,
            applied: grid_applied,
            warnings: inspectors_without_account(store, &cells, &lines)?,
        },
    ))
}

/// The header and one row per grid cell (active and retired), by town.
pub fn rows(store: &dyn Store) -> Result<Vec<Vec<String>>> {
    let mut rows = vec![COLUMNS.iter().map(|column| column.name.to_owned()).collect()];
    for record in store.grid_cells()? {
        let inspectors: Vec<&str> =
            record.cell.inspectors.iter().map(model::account::UserName::as_str).collect();
        rows.push(vec![
            record.cell.town,
            record.cell.name,
            inspectors.join(";"),
            record.status.to_string(),
        ]);
    }
    Ok(rows)
}

/// The grid cells as a file in `format`, in the import layout.
pub fn export(store: &dyn Store, format: Format) -> Result<Vec<u8>> {
    crate::export::write_rows(&rows(store)?, STEM, format)
}

#[cfg(test)]
mod tests;
