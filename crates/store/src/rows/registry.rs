//! Decoding `registry_record` rows (the same columns on both backends).

use model::PointId;
use model::registry::RecordStatus;

use super::StoredRow;
use crate::{Error, RegistryRecord, Result};

/// The registry columns [`decode_registry_record`] reads, with their table.
pub(crate) const REGISTRY_COLUMNS: &str =
    "SELECT data, status, sample, point_id, updated_ms FROM registry_record";

/// Decodes [`REGISTRY_COLUMNS`].
pub(crate) fn decode_registry_record(row: &impl StoredRow) -> Result<RegistryRecord> {
    const TABLE: &str = "registry_record";
    let status = row.required_text(1, TABLE, "status")?;
    let status = RecordStatus::parse(&status).ok_or_else(|| Error::Corrupt {
        table: TABLE,
        column: "status",
        detail: format!("unknown status {status:?}"),
    })?;
    Ok(RegistryRecord {
        entity: row.json(0, TABLE, "data")?,
        status,
        sample: row.boolean(2, TABLE, "sample")?,
        point: row.int(3, TABLE, "point_id")?.map(PointId),
        updated_at: row.instant(4, TABLE, "updated_ms")?,
    })
}
