//! [`PlanStore`] for [`SqliteStore`]: tables `plan_document`, `plan_value` and
//! `plan_city_target` (migration 0006), append-only (triggers refuse UPDATE
//! and DELETE); each new version is written with its audit entry through
//! [`SqliteStore::write_audited`].

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{collect, column, database_error, instant_column, millis};
use crate::{
    AuditEntry, CityTarget, NewCityTarget, NewPlanDocument, NewPlanValue, PlanDocument,
    PlanDocumentInfo, PlanStore, PlanValue, Result, SqliteStore,
};

const VALUE_COLUMNS: &str =
    "v.plan, v.indicator, v.year, v.version, v.value, v.note, v.actor, v.at_ms,
     d.id, d.file_name, d.media_type, d.n_bytes, d.sha256
     FROM plan_value v LEFT JOIN plan_document d ON d.id = v.document_id";

const TARGET_COLUMNS: &str = "t.plan, t.indicator, t.version, t.value, t.note, t.actor, t.at_ms,
     d.id, d.file_name, d.media_type, d.n_bytes, d.sha256
     FROM plan_city_target t JOIN plan_document d ON d.id = t.document_id";

fn insert_document(
    tx: &Transaction<'_>,
    document: &NewPlanDocument,
    actor: &str,
    at: model::Instant,
) -> Result<PlanDocumentInfo> {
    let digest: [u8; 32] = Sha256::digest(&document.bytes).into();
    let sha256 = evidence::to_hex(&digest);
    let n_bytes = document.bytes.len() as u64;
    tx.prepare_cached(
        "INSERT INTO plan_document (file_name, media_type, sha256, n_bytes, bytes, stored_ms, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            document.file_name,
            document.media_type,
            sha256,
            i64::try_from(n_bytes).unwrap_or(i64::MAX),
            document.bytes,
            millis(at),
            actor
        ])
    })
    .map_err(database_error("storing a plan document"))?;
    Ok(PlanDocumentInfo {
        id: tx.last_insert_rowid(),
        file_name: document.file_name.clone(),
        media_type: document.media_type.clone(),
        n_bytes,
        sha256,
    })
}

/// Decodes the document columns starting at `first`; `None` when the id is NULL.
fn decode_document(row: &Row<'_>, first: usize) -> Result<Option<PlanDocumentInfo>> {
    const TABLE: &str = "plan_document";
    let id: Option<i64> = column(row, first, TABLE, "id")?;
    let Some(id) = id else { return Ok(None) };
    let n_bytes: i64 = column(row, first + 3, TABLE, "n_bytes")?;
    Ok(Some(PlanDocumentInfo {
        id,
        file_name: column(row, first + 1, TABLE, "file_name")?,
        media_type: column(row, first + 2, TABLE, "media_type")?,
        n_bytes: u64::try_from(n_bytes).unwrap_or(0),
        sha256: column(row, first + 4, TABLE, "sha256")?,
    }))
}

fn decode_value(row: &Row<'_>) -> Result<PlanValue> {
    const TABLE: &str = "plan_value";
    Ok(PlanValue {
        plan: column(row, 0, TABLE, "plan")?,
        indicator: column(row, 1, TABLE, "indicator")?,
        year: column(row, 2, TABLE, "year")?,
        version: column(row, 3, TABLE, "version")?,
        value: column(row, 4, TABLE, "value")?,
        note: column(row, 5, TABLE, "note")?,
        actor: column(row, 6, TABLE, "actor")?,
        at: instant_column(row, 7, TABLE, "at_ms")?,
        document: decode_document(row, 8)?,
    })
}

fn decode_target(row: &Row<'_>) -> Result<CityTarget> {
    const TABLE: &str = "plan_city_target";
    Ok(CityTarget {
        plan: column(row, 0, TABLE, "plan")?,
        indicator: column(row, 1, TABLE, "indicator")?,
        version: column(row, 2, TABLE, "version")?,
        value: column(row, 3, TABLE, "value")?,
        note: column(row, 4, TABLE, "note")?,
        actor: column(row, 5, TABLE, "actor")?,
        at: instant_column(row, 6, TABLE, "at_ms")?,
        document: decode_document(row, 7)?.ok_or_else(|| crate::Error::Corrupt {
            table: TABLE,
            column: "document_id",
            detail: "a city target without its document".to_owned(),
        })?,
    })
}

/// Runs a read query and decodes every row.
fn select<T>(
    store: &SqliteStore,
    during: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
    decode: fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    store.read(|conn| {
        let mut statement = conn.prepare_cached(sql).map_err(database_error(during))?;
        let rows = statement.query(params).map_err(database_error(during))?;
        collect(rows, during, decode)
    })
}

/// The newest version inside a write transaction (the `before` of an audit entry).
fn newest<T>(
    tx: &Transaction<'_>,
    during: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
    decode: fn(&Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    tx.prepare_cached(sql)
        .and_then(|mut statement| statement.query_row(params, |row| Ok(decode(row))).optional())
        .map_err(database_error(during))?
        .transpose()
}

impl PlanStore for SqliteStore {
    fn enter_plan_value(
        &self,
        value: &NewPlanValue,
        actor: &str,
        at: model::Instant,
    ) -> Result<PlanValue> {
        const DURING: &str = "entering a plan value";
        self.write_audited(DURING, |tx, audit| {
            let before = newest(
                tx,
                DURING,
                &format!(
                    "SELECT {VALUE_COLUMNS} WHERE v.plan = ?1 AND v.indicator = ?2 AND v.year = ?3
                     ORDER BY v.version DESC LIMIT 1"
                ),
                params![value.plan, value.indicator, value.year],
                decode_value,
            )?;
            let document = match &value.document {
                Some(document) => Some(insert_document(tx, document, actor, at)?),
                None => None,
            };
            let stored = PlanValue {
                plan: value.plan.clone(),
                indicator: value.indicator.clone(),
                year: value.year,
                version: before.as_ref().map_or(1, |before| before.version + 1),
                value: value.value,
                note: value.note.clone(),
                document,
                actor: actor.to_owned(),
                at,
            };
            tx.prepare_cached(
                "INSERT INTO plan_value (plan, indicator, year, version, value, note, document_id, actor, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    stored.plan,
                    stored.indicator,
                    stored.year,
                    stored.version,
                    stored.value,
                    stored.note,
                    stored.document.as_ref().map(|document| document.id),
                    stored.actor,
                    millis(at)
                ])
            })
            .map_err(database_error(DURING))?;
            audit.push(AuditEntry {
                at,
                actor: actor.to_owned(),
                action: "plan_value_entered".to_owned(),
                subject: format!("plan:{}/indicator:{}/year:{}", value.plan, value.indicator, value.year),
                detail: json!({ "before": before, "after": stored }),
            });
            Ok(stored)
        })
    }

    fn plan_values(&self, plan: &str) -> Result<Vec<PlanValue>> {
        const DURING: &str = "querying plan values";
        select(
            self,
            DURING,
            &format!(
                "SELECT {VALUE_COLUMNS} WHERE v.plan = ?1 AND v.version = (
                 SELECT max(version) FROM plan_value n
                 WHERE n.plan = v.plan AND n.indicator = v.indicator AND n.year = v.year)
             ORDER BY v.indicator, v.year"
            ),
            params![plan],
            decode_value,
        )
    }

    fn plan_value_history(&self, plan: &str, indicator: &str, year: i32) -> Result<Vec<PlanValue>> {
        const DURING: &str = "querying a plan value's history";
        select(
            self,
            DURING,
            &format!(
                "SELECT {VALUE_COLUMNS} WHERE v.plan = ?1 AND v.indicator = ?2 AND v.year = ?3 ORDER BY v.version"
            ),
            params![plan, indicator, year],
            decode_value,
        )
    }

    fn set_city_target(
        &self,
        target: &NewCityTarget,
        actor: &str,
        at: model::Instant,
    ) -> Result<CityTarget> {
        const DURING: &str = "setting a city target";
        self.write_audited(DURING, |tx, audit| {
            let before = newest(
                tx,
                DURING,
                &format!(
                    "SELECT {TARGET_COLUMNS} WHERE t.plan = ?1 AND t.indicator = ?2
                     ORDER BY t.version DESC LIMIT 1"
                ),
                params![target.plan, target.indicator],
                decode_target,
            )?;
            let document = insert_document(tx, &target.document, actor, at)?;
            let stored = CityTarget {
                plan: target.plan.clone(),
                indicator: target.indicator.clone(),
                version: before.as_ref().map_or(1, |before| before.version + 1),
                value: target.value,
                note: target.note.clone(),
                document,
                actor: actor.to_owned(),
                at,
            };
            tx.prepare_cached(
                "INSERT INTO plan_city_target (plan, indicator, version, value, note, document_id, actor, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    stored.plan,
                    stored.indicator,
                    stored.version,
                    stored.value,
                    stored.note,
                    stored.document.id,
                    stored.actor,
                    millis(at)
                ])
            })
            .map_err(database_error(DURING))?;
            audit.push(AuditEntry {
                at,
                actor: actor.to_owned(),
                action: "plan_city_target_set".to_owned(),
                subject: format!("plan:{}/indicator:{}", target.plan, target.indicator),
                detail: json!({ "before": before, "after": stored }),
            });
            Ok(stored)
        })
    }

    fn city_targets(&self, plan: &str) -> Result<Vec<CityTarget>> {
        const DURING: &str = "querying city targets";
        select(
            self,
            DURING,
            &format!(
                "SELECT {TARGET_COLUMNS} WHERE t.plan = ?1 AND t.version = (
                 SELECT max(version) FROM plan_city_target n
                 WHERE n.plan = t.plan AND n.indicator = t.indicator)
             ORDER BY t.indicator"
            ),
            params![plan],
            decode_target,
        )
    }

    fn city_target_history(&self, plan: &str, indicator: &str) -> Result<Vec<CityTarget>> {
        const DURING: &str = "querying a city target's history";
        select(
            self,
            DURING,
            &format!(
                "SELECT {TARGET_COLUMNS} WHERE t.plan = ?1 AND t.indicator = ?2 ORDER BY t.version"
            ),
            params![plan, indicator],
            decode_target,
        )
    }

    fn plan_document(&self, id: i64) -> Result<Option<PlanDocument>> {
        const DURING: &str = "reading a plan document";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT id, file_name, media_type, n_bytes, sha256, bytes FROM plan_document WHERE id = ?1",
                )
                .map_err(database_error(DURING))?;
            let mut rows = statement.query(params![id]).map_err(database_error(DURING))?;
            match rows.next().map_err(database_error(DURING))? {
                None => Ok(None),
                Some(row) => {
                    let info = decode_document(row, 0)?.ok_or_else(|| crate::Error::Corrupt {
                        table: "plan_document",
                        column: "id",
                        detail: "NULL id".to_owned(),
                    })?;
                    let bytes: Vec<u8> = column(row, 5, "plan_document", "bytes")?;
                    Ok(Some(PlanDocument { info, bytes }))
                }
            }
        })
    }
}
