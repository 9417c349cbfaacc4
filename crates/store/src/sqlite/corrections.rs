//! [`CorrectionStore`] for [`SqliteStore`]: table `reading_correction`
//! (migration 0009), the current-version reading query [`Store::readings`]
//! switches to for a point and kind with corrections, and the correction part of
//! the watermark scan ([`correction_scan_sql`]).

use model::{DataKind, Instant, PointId, ReadingKey, ReadingValues};
use rusqlite::{Connection, Row, ToSql, Transaction, params, params_from_iter};
use serde_json::json;

use super::{
    collect, column, database_error, decode_reading, instant_column, json_text, kind_to_db,
    limit_to_db, millis,
};
use crate::{
    AuditEntry, CorrectionError, CorrectionMarker, CorrectionStore, Error, MarkedReading,
    NewCorrection, ReadingQuery, ReadingVersion, Result, SqliteStore,
};

/// The value columns, in [`ReadingValues`] order.
const VALUE_COLUMNS: [&str; 12] = [
    "rtd",
    "min",
    "avg",
    "max",
    "zs_rtd",
    "zs_min",
    "zs_avg",
    "zs_max",
    "cou",
    "flag",
    "eflag",
    "sample_time",
];

/// The readings of one point and kind with their current values and marker
/// columns (`version, actor, at_ms, reason` of the current correction, or NULL).
/// `?6` filters by parameter codes when `filtered`.
fn current_readings_sql(filtered: bool) -> String {
    let values: Vec<String> = VALUE_COLUMNS
        .iter()
        .map(|name| format!("CASE WHEN c.id IS NULL THEN r.{name} ELSE c.{name} END"))
        .collect();
    let filter = if filtered { "AND q.code IN (SELECT value FROM json_each(?6))" } else { "" };
    format!(
        "SELECT r.point_id, q.code, r.kind, r.data_ms, {values},
                c.version, c.actor, c.at_ms, c.reason
         FROM reading r JOIN param q ON q.id = r.param_id
         LEFT JOIN reading_correction c
           ON c.point_id = r.point_id AND c.kind = r.kind AND c.data_ms = r.data_ms
          AND c.param_id = r.param_id
          AND c.version = (SELECT max(m.version) FROM reading_correction m
                           WHERE m.point_id = r.point_id AND m.kind = r.kind
                             AND m.data_ms = r.data_ms AND m.param_id = r.param_id)
         WHERE r.point_id = ?1 AND r.kind = ?2 AND r.data_ms >= ?3 AND r.data_ms < ?4 {filter}
         ORDER BY r.data_ms, q.code
         LIMIT ?5",
        values = values.join(", ")
    )
}

/// Whether any reading of this point and kind was corrected (one index probe),
/// so [`Store::readings`](crate::Store::readings) keeps its plain scan otherwise.
pub(super) fn any_corrected(conn: &Connection, point: PointId, kind: DataKind) -> Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM reading_correction WHERE point_id = ?1 AND kind = ?2)",
    )
    .and_then(|mut statement| {
        statement.query_row(params![point.0, kind_to_db(kind)], |row| row.get(0))
    })
    .map_err(database_error("looking for corrections"))
}

/// The readings of `query` with their current values and markers.
pub(super) fn current_readings(
    conn: &Connection,
    query: &ReadingQuery,
) -> Result<Vec<MarkedReading>> {
    const DURING: &str = "querying current readings";
    let bounds = (
        query.point.0,
        kind_to_db(query.kind),
        millis(query.from),
        millis(query.to),
        limit_to_db(query.limit),
    );
    if query.params.is_empty() {
        let mut statement =
            conn.prepare_cached(&current_readings_sql(false)).map_err(database_error(DURING))?;
        let rows = statement
            .query(params![bounds.0, bounds.1, bounds.2, bounds.3, bounds.4])
            .map_err(database_error(DURING))?;
        collect(rows, DURING, decode_marked)
    } else {
        let codes: Vec<&str> = query.params.iter().map(|code| code.as_str()).collect();
        let codes = json_text(&codes, "encoding the parameter filter")?;
        let mut statement =
            conn.prepare_cached(&current_readings_sql(true)).map_err(database_error(DURING))?;
        let rows = statement
            .query(params![bounds.0, bounds.1, bounds.2, bounds.3, bounds.4, codes])
            .map_err(database_error(DURING))?;
        collect(rows, DURING, decode_marked)
    }
}

/// The part of the watermark scan that reports corrections placed in
/// `(?1, ?2]`: `point_id, data_ms` of corrections of kind `?3`, and, when `?3`
/// is the hour, the hour of corrected realtime and minute readings.
pub(super) const CORRECTION_SCAN_SQL: &str = "SELECT point_id,
        CASE WHEN kind = ?3 THEN data_ms ELSE data_ms - (data_ms % 3600000) END
     FROM reading_correction
     WHERE arrival_raw_id > ?1 AND arrival_raw_id <= ?2
       AND (kind = ?3 OR (?3 = 2 AND kind < 2))";

fn decode_marked(row: &Row<'_>) -> Result<MarkedReading> {
    const TABLE: &str = "reading_correction";
    let reading = decode_reading(row)?;
    let version: Option<u32> = column(row, 16, TABLE, "version")?;
    let corrected = match version {
        None => None,
        Some(version) => Some(CorrectionMarker {
            version,
            actor: column(row, 17, TABLE, "actor")?,
            at: instant_column(row, 18, TABLE, "at_ms")?,
            reason: column(row, 19, TABLE, "reason")?,
        }),
    };
    Ok(MarkedReading { reading, corrected })
}

/// [`ReadingValues`] from the 12 value columns starting at `first`.
fn values_at(row: &Row<'_>, first: usize, table: &'static str) -> Result<ReadingValues> {
    let value =
        |offset: usize| column::<Option<f64>>(row, first + offset, table, VALUE_COLUMNS[offset]);
    let text =
        |offset: usize| column::<Option<String>>(row, first + offset, table, VALUE_COLUMNS[offset]);
    Ok(ReadingValues {
        rtd: value(0)?,
        min: value(1)?,
        avg: value(2)?,
        max: value(3)?,
        zs_rtd: value(4)?,
        zs_min: value(5)?,
        zs_avg: value(6)?,
        zs_max: value(7)?,
        cou: value(8)?,
        flag: text(9)?,
        eflag: text(10)?,
        sample_time: text(11)?,
    })
}

/// Every version of the reading with `key`, oldest first.
fn history(conn: &Connection, key: &ReadingKey) -> Result<Vec<ReadingVersion>> {
    const DURING: &str = "querying a reading's versions";
    let columns = VALUE_COLUMNS.join(", ");
    let param_id: Option<i64> = {
        let mut statement = conn
            .prepare_cached("SELECT id FROM param WHERE code = ?1")
            .map_err(database_error(DURING))?;
        let mut rows =
            statement.query(params![key.param.as_str()]).map_err(database_error(DURING))?;
        match rows.next().map_err(database_error(DURING))? {
            Some(row) => Some(column(row, 0, "param", "id")?),
            None => None,
        }
    };
    let Some(param_id) = param_id else { return Ok(Vec::new()) };
    let key_params = params![key.point.0, kind_to_db(key.kind), millis(key.data_time), param_id];
    let mut versions = {
        let mut statement = conn
            .prepare_cached(&format!(
                "SELECT raw_id, {columns} FROM reading
                 WHERE point_id = ?1 AND kind = ?2 AND data_ms = ?3 AND param_id = ?4"
            ))
            .map_err(database_error(DURING))?;
        let rows = statement.query(key_params).map_err(database_error(DURING))?;
        collect(rows, DURING, |row| {
            Ok(ReadingVersion {
                version: 1,
                values: values_at(row, 1, "reading")?,
                actor: None,
                at: None,
                reason: None,
                arrival_raw_id: column(row, 0, "reading", "raw_id")?,
            })
        })?
    };
    if versions.is_empty() {
        return Ok(versions);
    }
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT version, actor, at_ms, reason, arrival_raw_id, {columns} FROM reading_correction
             WHERE point_id = ?1 AND kind = ?2 AND data_ms = ?3 AND param_id = ?4
             ORDER BY version"
        ))
        .map_err(database_error(DURING))?;
    let rows = statement.query(key_params).map_err(database_error(DURING))?;
    versions.extend(collect(rows, DURING, |row| {
        const TABLE: &str = "reading_correction";
        Ok(ReadingVersion {
            version: column(row, 0, TABLE, "version")?,
            actor: Some(column(row, 1, TABLE, "actor")?),
            at: Some(instant_column(row, 2, TABLE, "at_ms")?),
            reason: Some(column(row, 3, TABLE, "reason")?),
            arrival_raw_id: column(row, 4, TABLE, "arrival_raw_id")?,
            values: values_at(row, 5, TABLE)?,
        })
    })?);
    Ok(versions)
}

/// The subject of a correction's audit entry.
fn subject(key: &ReadingKey) -> String {
    format!(
        "reading:{}/{}/{}/{}",
        key.point,
        key.kind.as_str(),
        key.param.as_str(),
        key.data_time.to_rfc3339()
    )
}

/// The 12 value fields of `values`, in [`VALUE_COLUMNS`] order, for binding.
fn value_params(values: &ReadingValues) -> [&dyn ToSql; 12] {
    [
        &values.rtd,
        &values.min,
        &values.avg,
        &values.max,
        &values.zs_rtd,
        &values.zs_min,
        &values.zs_avg,
        &values.zs_max,
        &values.cou,
        &values.flag,
        &values.eflag,
        &values.sample_time,
    ]
}

/// Inserts the correction as `version` and refreshes the latest values if it
/// corrects the latest reading.
fn insert(
    tx: &Transaction<'_>,
    correction: &NewCorrection,
    version: u32,
    actor: &str,
    at: Instant,
    arrival_raw_id: i64,
) -> Result<()> {
    let key = &correction.key;
    let (point, kind, data_ms, code) =
        (key.point.0, kind_to_db(key.kind), millis(key.data_time), key.param.as_str());
    let values = value_params(&correction.values);
    let at_ms = millis(at);
    // ?1–?4 the key (the parameter by code), ?5–?16 the values.
    let mut bound: Vec<&dyn ToSql> = vec![&point, &kind, &data_ms, &code];
    bound.extend(values);
    let columns = VALUE_COLUMNS.join(", ");
    let placeholders: Vec<String> = (5..=16).map(|n| format!("?{n}")).collect();
    let mut insert_bound = bound.clone();
    insert_bound.extend([
        &version as &dyn ToSql,
        &actor,
        &at_ms,
        &correction.reason,
        &arrival_raw_id,
    ]);
    tx.prepare_cached(&format!(
        "INSERT INTO reading_correction (point_id, kind, data_ms, param_id, {columns},
             version, actor, at_ms, reason, arrival_raw_id)
         SELECT ?1, ?2, ?3, id, {}, ?17, ?18, ?19, ?20, ?21
         FROM param WHERE code = ?4",
        placeholders.join(", ")
    ))
    .and_then(|mut statement| statement.execute(params_from_iter(insert_bound)))
    .map_err(database_error("inserting a correction"))?;
    let assignments: Vec<String> = VALUE_COLUMNS
        .iter()
        .zip(&placeholders)
        .map(|(name, at)| format!("{name} = {at}"))
        .collect();
    tx.prepare_cached(&format!(
        "UPDATE latest_reading SET {}
         WHERE point_id = ?1 AND kind = ?2 AND data_ms = ?3
           AND param_id = (SELECT id FROM param WHERE code = ?4)",
        assignments.join(", ")
    ))
    .and_then(|mut statement| statement.execute(params_from_iter(bound)))
    .map_err(database_error("refreshing the latest values"))?;
    Ok(())
}

impl CorrectionStore for SqliteStore {
    fn correct_reading(
        &self,
        correction: &NewCorrection,
        actor: &str,
        at: Instant,
    ) -> Result<ReadingVersion> {
        if correction.reason.trim().is_empty() {
            return Err(CorrectionError::ReasonRequired.into());
        }
        self.write_audited("committing a correction", |tx, audit| {
            let versions = history(tx, &correction.key)?;
            let Some(current) = versions.last() else {
                return Err(Error::NotFound { entity: "reading", id: subject(&correction.key) });
            };
            if let Some(base) = correction.base_version
                && base != current.version
            {
                return Err(CorrectionError::Stale { base, current: current.version }.into());
            }
            if current.values == correction.values {
                return Err(CorrectionError::Unchanged { version: current.version }.into());
            }
            // Where the next packet goes: the scans report the correction with it.
            let arrival_raw_id: i64 = tx
                .query_row("SELECT coalesce(max(id), 0) + 1 FROM raw_packet", [], |row| row.get(0))
                .map_err(database_error("placing a correction in the archive order"))?;
            let version = current.version + 1;
            insert(tx, correction, version, actor, at, arrival_raw_id)?;
            audit.push(AuditEntry {
                at,
                actor: actor.to_owned(),
                action: "reading_corrected".to_owned(),
                subject: subject(&correction.key),
                detail: json!({
                    "before": { "version": current.version, "values": current.values },
                    "after": { "version": version, "values": correction.values },
                    "reason": correction.reason,
                }),
            });
            Ok(ReadingVersion {
                version,
                values: correction.values.clone(),
                actor: Some(actor.to_owned()),
                at: Some(at),
                reason: Some(correction.reason.clone()),
                arrival_raw_id,
            })
        })
    }

    fn reading_history(&self, key: &ReadingKey) -> Result<Vec<ReadingVersion>> {
        self.read(|conn| history(conn, key))
    }

    fn marked_readings(&self, query: &ReadingQuery) -> Result<Vec<MarkedReading>> {
        self.read(|conn| current_readings(conn, query))
    }
}
