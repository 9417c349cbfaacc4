//! Decoding `registry_record` rows (the same columns on both backends).

use model::PointId;
use model::registry::RecordStatus;

use super::StoredRow;
use crate::{Error, GridRecord, RegistryRecord, Result};

/// The registry columns [`decode_registry_record`] reads, with their table.
pub(crate) const REGISTRY_COLUMNS: &str =
    "SELECT data, status, sample, point_id, updated_ms FROM registry_record";

/// Decodes [`REGISTRY_COLUMNS`].
pub(crate) fn decode_registry_record(row: &impl StoredRow) -> Result<RegistryRecord> {
    const TABLE: &str = "registry_record";
    let status = status(row, 1, TABLE)?;
    Ok(RegistryRecord {
        entity: row.json(0, TABLE, "data")?,
        status,
        sample: row.boolean(2, TABLE, "sample")?,
        point: row.int(3, TABLE, "point_id")?.map(PointId),
        updated_at: row.instant(4, TABLE, "updated_ms")?,
    })
}

/// The [`RecordStatus`] in column `index` (named `status`) of `table`.
fn status(row: &impl StoredRow, index: usize, table: &'static str) -> Result<RecordStatus> {
    let status = row.required_text(index, table, "status")?;
    RecordStatus::parse(&status).ok_or_else(|| Error::Corrupt {
        table,
        column: "status",
        detail: format!("unknown status {status:?}"),
    })
}

/// The grid columns [`decode_grid_record`] reads, with their table.
pub(crate) const GRID_COLUMNS: &str =
    "SELECT town, name, inspectors, status, sample, updated_ms FROM grid_cell";

/// Decodes [`GRID_COLUMNS`].
pub(crate) fn decode_grid_record(row: &impl StoredRow) -> Result<GridRecord> {
    const TABLE: &str = "grid_cell";
    Ok(GridRecord {
        cell: model::registry::GridCell {
            town: row.required_text(0, TABLE, "town")?,
            name: row.required_text(1, TABLE, "name")?,
            inspectors: row.json(2, TABLE, "inspectors")?,
        },
        status: status(row, 3, TABLE)?,
        sample: row.boolean(4, TABLE, "sample")?,
        updated_at: row.instant(5, TABLE, "updated_ms")?,
    })
}
