//! Decoding plan rows (`plan_value`, `plan_city_target` with their
//! `plan_document`); the same SQL runs on both backends.

use super::StoredRow;
use crate::{CityTarget, Error, PlanDocumentInfo, PlanValue, Result};

/// The plan value columns [`decode_plan_value`] reads, with the join to its document.
pub(crate) const PLAN_VALUE_COLUMNS: &str =
    "v.plan, v.indicator, v.year, v.version, v.value, v.note, v.actor, v.at_ms,
     d.id, d.file_name, d.media_type, d.n_bytes, d.sha256
     FROM plan_value v LEFT JOIN plan_document d ON d.id = v.document_id";

/// The city target columns [`decode_city_target`] reads, with the join to its document.
pub(crate) const CITY_TARGET_COLUMNS: &str =
    "t.plan, t.indicator, t.version, t.value, t.note, t.actor, t.at_ms,
     d.id, d.file_name, d.media_type, d.n_bytes, d.sha256
     FROM plan_city_target t JOIN plan_document d ON d.id = t.document_id";

/// Decodes `id, file_name, media_type, n_bytes, sha256` of a document starting
/// at column `first`; `None` when the id is NULL (a value without a document).
pub(crate) fn decode_plan_document(
    row: &impl StoredRow,
    first: usize,
) -> Result<Option<PlanDocumentInfo>> {
    const TABLE: &str = "plan_document";
    let Some(id) = row.int(first, TABLE, "id")? else { return Ok(None) };
    let n_bytes = row.required_int(first + 3, TABLE, "n_bytes")?;
    Ok(Some(PlanDocumentInfo {
        id,
        file_name: row.required_text(first + 1, TABLE, "file_name")?,
        media_type: row.required_text(first + 2, TABLE, "media_type")?,
        n_bytes: u64::try_from(n_bytes).unwrap_or(0),
        sha256: row.required_text(first + 4, TABLE, "sha256")?,
    }))
}

fn real(row: &impl StoredRow, index: usize, table: &'static str) -> Result<f64> {
    row.real(index, table, "value")?.ok_or_else(|| Error::Corrupt {
        table,
        column: "value",
        detail: "NULL in a column that must have a value".to_owned(),
    })
}

/// Decodes [`PLAN_VALUE_COLUMNS`].
pub(crate) fn decode_plan_value(row: &impl StoredRow) -> Result<PlanValue> {
    const TABLE: &str = "plan_value";
    let year = row.required_int(2, TABLE, "year")?;
    Ok(PlanValue {
        plan: row.required_text(0, TABLE, "plan")?,
        indicator: row.required_text(1, TABLE, "indicator")?,
        year: i32::try_from(year).map_err(|_| Error::Corrupt {
            table: TABLE,
            column: "year",
            detail: format!("{year} is not a year"),
        })?,
        version: row.required_u32(3, TABLE, "version")?,
        value: real(row, 4, TABLE)?,
        note: row.required_text(5, TABLE, "note")?,
        actor: row.required_text(6, TABLE, "actor")?,
        at: row.instant(7, TABLE, "at_ms")?,
        document: decode_plan_document(row, 8)?,
    })
}

/// Decodes [`CITY_TARGET_COLUMNS`].
pub(crate) fn decode_city_target(row: &impl StoredRow) -> Result<CityTarget> {
    const TABLE: &str = "plan_city_target";
    Ok(CityTarget {
        plan: row.required_text(0, TABLE, "plan")?,
        indicator: row.required_text(1, TABLE, "indicator")?,
        version: row.required_u32(2, TABLE, "version")?,
        value: real(row, 3, TABLE)?,
        note: row.required_text(4, TABLE, "note")?,
        actor: row.required_text(5, TABLE, "actor")?,
        at: row.instant(6, TABLE, "at_ms")?,
        document: decode_plan_document(row, 7)?.ok_or_else(|| Error::Corrupt {
            table: TABLE,
            column: "document_id",
            detail: "a city target without its document".to_owned(),
        })?,
    })
}
