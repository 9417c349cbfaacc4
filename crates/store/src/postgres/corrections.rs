//! [`CorrectionStore`] and [`CaseStore`] for [`PgStore`]: table
//! `reading_correction` (migration 0003), the current-version reading query
//! [`Store::readings`](crate::Store::readings) switches to for a point and kind
//! with corrections, the correction part of the watermark scan, and a point's
//! raw packets for the case export.

use ::postgres::types::ToSql;
use ::postgres::{GenericClient, Transaction};
use model::{DataKind, Instant, PointId, ReadingKey, ReadingValues};
use serde_json::json;

use super::{database_error, select, select_opt};
use crate::encoding::{kind_to_db, limit_to_db, millis};
use crate::rows::{StoredRow, decode_raw_packet, decode_reading};
use crate::{
    AuditEntry, CaseStore, CorrectionError, CorrectionMarker, CorrectionStore, Error,
    MarkedReading, NewCorrection, PgStore, RawPacketRecord, ReadingQuery, ReadingVersion, Result,
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

/// The part of the watermark scan that reports corrections placed in
/// `($1, $2]`: `point_id, data_ms` of corrections of kind `$3`, and, when `$3`
/// is the hour, the hour of corrected realtime and minute readings.
pub(super) const CORRECTION_SCAN_SQL: &str = "SELECT point_id,
        CASE WHEN kind = $3 THEN data_ms ELSE data_ms - (data_ms % 3600000) END
     FROM reading_correction
     WHERE arrival_raw_id > $1 AND arrival_raw_id <= $2
       AND (kind = $3 OR ($3 = 2 AND kind < 2))";

fn kind_param(kind: DataKind) -> i32 {
    i32::try_from(kind_to_db(kind)).unwrap_or(i32::MAX)
}

/// Whether any reading of this point and kind was corrected (one index probe).
pub(super) fn any_corrected(
    client: &mut impl GenericClient,
    point: PointId,
    kind: DataKind,
) -> Result<bool> {
    let found = select_opt(
        client,
        "looking for corrections",
        "SELECT 1 FROM reading_correction WHERE point_id = $1 AND kind = $2 LIMIT 1",
        &[&point.0, &kind_param(kind)],
        |_| Ok(()),
    )?;
    Ok(found.is_some())
}

/// The readings of `query` with their current values and markers.
pub(super) fn current_readings(
    client: &mut impl GenericClient,
    query: &ReadingQuery,
) -> Result<Vec<MarkedReading>> {
    let values: Vec<String> = VALUE_COLUMNS
        .iter()
        .map(|name| format!("CASE WHEN c.id IS NULL THEN r.{name} ELSE c.{name} END"))
        .collect();
    let codes: Vec<&str> = query.params.iter().map(|code| code.as_str()).collect();
    let filter = if codes.is_empty() { "" } else { "AND q.code = ANY($6)" };
    let sql = format!(
        "SELECT r.point_id, q.code, r.kind, r.data_ms, {values},
                c.version, c.actor, c.at_ms, c.reason
         FROM reading r JOIN param q ON q.id = r.param_id
         LEFT JOIN reading_correction c
           ON c.point_id = r.point_id AND c.kind = r.kind AND c.data_ms = r.data_ms
          AND c.param_id = r.param_id
          AND c.version = (SELECT max(m.version) FROM reading_correction m
                           WHERE m.point_id = r.point_id AND m.kind = r.kind
                             AND m.data_ms = r.data_ms AND m.param_id = r.param_id)
         WHERE r.point_id = $1 AND r.kind = $2 AND r.data_ms >= $3 AND r.data_ms < $4 {filter}
         ORDER BY r.data_ms, q.code
         LIMIT $5",
        values = values.join(", ")
    );
    let kind = kind_param(query.kind);
    let (from, to, limit) = (millis(query.from), millis(query.to), limit_to_db(query.limit));
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&query.point.0, &kind, &from, &to, &limit];
    if !codes.is_empty() {
        params.push(&codes);
    }
    select(client, "querying current readings", &sql, &params, |row| {
        const TABLE: &str = "reading_correction";
        let reading = decode_reading(row)?;
        let corrected = match row.int(16, TABLE, "version")? {
            None => None,
            Some(version) => Some(CorrectionMarker {
                version: u32::try_from(version).unwrap_or(u32::MAX),
                actor: row.required_text(17, TABLE, "actor")?,
                at: row.instant(18, TABLE, "at_ms")?,
                reason: row.required_text(19, TABLE, "reason")?,
            }),
        };
        Ok(MarkedReading { reading, corrected })
    })
}

/// [`ReadingValues`] from the 12 value columns starting at `first`.
fn values_at(row: &impl StoredRow, first: usize, table: &'static str) -> Result<ReadingValues> {
    let value = |offset: usize| row.real(first + offset, table, VALUE_COLUMNS[offset]);
    let text = |offset: usize| row.text(first + offset, table, VALUE_COLUMNS[offset]);
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

/// Every version of the reading with `key`, oldest first, and its parameter id.
fn history(
    client: &mut impl GenericClient,
    key: &ReadingKey,
) -> Result<(Vec<ReadingVersion>, Option<i64>)> {
    const DURING: &str = "querying a reading's versions";
    let columns = VALUE_COLUMNS.join(", ");
    let param_id = select_opt(
        client,
        DURING,
        "SELECT id FROM param WHERE code = $1",
        &[&key.param.as_str()],
        |row| row.required_int(0, "param", "id"),
    )?;
    let Some(param_id) = param_id else { return Ok((Vec::new(), None)) };
    let (kind, data_ms) = (kind_param(key.kind), millis(key.data_time));
    let key_params: [&(dyn ToSql + Sync); 4] = [&key.point.0, &kind, &data_ms, &param_id];
    let mut versions = select(
        client,
        DURING,
        &format!(
            "SELECT raw_id, {columns} FROM reading
             WHERE point_id = $1 AND kind = $2 AND data_ms = $3 AND param_id = $4"
        ),
        &key_params,
        |row| {
            Ok(ReadingVersion {
                version: 1,
                values: values_at(row, 1, "reading")?,
                actor: None,
                at: None,
                reason: None,
                arrival_raw_id: row.required_int(0, "reading", "raw_id")?,
            })
        },
    )?;
    if versions.is_empty() {
        return Ok((versions, Some(param_id)));
    }
    versions.extend(select(
        client,
        DURING,
        &format!(
            "SELECT version, actor, at_ms, reason, arrival_raw_id, {columns} FROM reading_correction
             WHERE point_id = $1 AND kind = $2 AND data_ms = $3 AND param_id = $4
             ORDER BY version"
        ),
        &key_params,
        |row| {
            const TABLE: &str = "reading_correction";
            Ok(ReadingVersion {
                version: row.required_u32(0, TABLE, "version")?,
                actor: Some(row.required_text(1, TABLE, "actor")?),
                at: Some(row.instant(2, TABLE, "at_ms")?),
                reason: Some(row.required_text(3, TABLE, "reason")?),
                arrival_raw_id: row.required_int(4, TABLE, "arrival_raw_id")?,
                values: values_at(row, 5, TABLE)?,
            })
        },
    )?);
    Ok((versions, Some(param_id)))
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

/// Inserts the correction as `version` and refreshes the latest values if it
/// corrects the latest reading.
fn insert(
    tx: &mut Transaction<'_>,
    correction: &NewCorrection,
    param_id: i64,
    version: u32,
    actor: &str,
    at: Instant,
    arrival_raw_id: i64,
) -> Result<()> {
    let key = &correction.key;
    let (kind, data_ms) = (kind_param(key.kind), millis(key.data_time));
    let values = &correction.values;
    let numbers = [
        values.rtd,
        values.min,
        values.avg,
        values.max,
        values.zs_rtd,
        values.zs_min,
        values.zs_avg,
        values.zs_max,
        values.cou,
    ];
    let texts = [&values.flag, &values.eflag, &values.sample_time];
    let mut bound: Vec<&(dyn ToSql + Sync)> = vec![&key.point.0, &kind, &data_ms, &param_id];
    bound.extend(numbers.iter().map(|value| value as &(dyn ToSql + Sync)));
    bound.extend(texts.iter().map(|value| *value as &(dyn ToSql + Sync)));
    let columns = VALUE_COLUMNS.join(", ");
    let placeholders: Vec<String> = (5..=16).map(|n| format!("${n}")).collect();
    let version = i64::from(version);
    let at_ms = millis(at);
    let mut insert_bound = bound.clone();
    insert_bound.extend([
        &version as &(dyn ToSql + Sync),
        &actor,
        &at_ms,
        &correction.reason,
        &arrival_raw_id,
    ]);
    tx.execute(
        &format!(
            "INSERT INTO reading_correction (point_id, kind, data_ms, param_id, {columns},
                 version, actor, at_ms, reason, arrival_raw_id)
             VALUES ($1, $2, $3, $4, {}, $17, $18, $19, $20, $21)",
            placeholders.join(", ")
        ),
        &insert_bound,
    )
    .map_err(database_error("inserting a correction"))?;
    let assignments: Vec<String> = VALUE_COLUMNS
        .iter()
        .zip(&placeholders)
        .map(|(name, at)| format!("{name} = {at}"))
        .collect();
    tx.execute(
        &format!(
            "UPDATE latest_reading SET {}
             WHERE point_id = $1 AND kind = $2 AND data_ms = $3 AND param_id = $4",
            assignments.join(", ")
        ),
        &bound,
    )
    .map_err(database_error("refreshing the latest values"))?;
    Ok(())
}

impl CorrectionStore for PgStore {
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
            // The raw archive's head, locked until commit: no packet takes the
            // arrival id unseen while this correction is uncommitted.
            let arrival_raw_id = select_opt(
                tx,
                "placing a correction in the archive order",
                "SELECT last_id + 1 FROM chain_head WHERE name = 'raw_packet' FOR UPDATE",
                &[],
                |row| row.required_int(0, "chain_head", "last_id"),
            )?
            .unwrap_or(1);
            // Versions of one reading are serialised by the unique key; read them under it.
            let (versions, param_id) = history(tx, &correction.key)?;
            let (Some(current), Some(param_id)) = (versions.last(), param_id) else {
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
            let version = current.version + 1;
            insert(tx, correction, param_id, version, actor, at, arrival_raw_id)?;
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
        self.read(|client| Ok(history(client, key)?.0))
    }

    fn marked_readings(&self, query: &ReadingQuery) -> Result<Vec<MarkedReading>> {
        self.read(|client| current_readings(client, query))
    }
}

impl CaseStore for PgStore {
    fn point_raw_packets(
        &self,
        point: PointId,
        from: Instant,
        to: Instant,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<RawPacketRecord>> {
        // Two index searches: by MN (`raw_packet_by_mn`) and by the readings'
        // raw ids (the reading primary key, each kind named); never a scan.
        const SQL: &str =
            "SELECT id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes
             FROM raw_packet
             WHERE id IN (
                 SELECT id FROM raw_packet
                 WHERE mn IN (SELECT mn FROM device WHERE point_id = $1)
                   AND received_ms >= $2 AND received_ms < $3 AND id > $5
                 UNION
                 SELECT raw_id FROM reading
                 WHERE point_id = $1 AND kind IN (0, 1, 2, 3)
                   AND data_ms >= $2 AND data_ms < $3 AND raw_id > $5)
             ORDER BY id
             LIMIT $4";
        let (from, to, limit) = (millis(from), millis(to), limit_to_db(limit));
        self.read(|client| {
            select(
                client,
                "querying a point's raw packets",
                SQL,
                &[&point.0, &from, &to, &limit, &after_id],
                decode_raw_packet,
            )
        })
    }
}
