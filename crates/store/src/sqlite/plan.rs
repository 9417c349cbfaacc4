//! [`PlanStore`] for [`SqliteStore`]: tables `plan_document`, `plan_value` and
//! `plan_city_target` (migration 0006), append-only (triggers refuse UPDATE
//! and DELETE); each new version is written with its audit entry through
//! [`SqliteStore::write_audited`].

use rusqlite::{OptionalExtension, Row, Transaction, params};
use sha2::{Digest, Sha256};

use super::{collect, column, database_error, millis};
use crate::plan_sync::{new_target_version, new_value_version};
use crate::rows::{
    CITY_TARGET_COLUMNS, PLAN_VALUE_COLUMNS, decode_city_target, decode_plan_document,
    decode_plan_value,
};
use crate::{
    CityTarget, NewCityTarget, NewPlanDocument, NewPlanValue, PlanDocument, PlanDocumentInfo,
    PlanStore, PlanValue, Result, SqliteStore,
};

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
                    "SELECT {PLAN_VALUE_COLUMNS} WHERE v.plan = ?1 AND v.indicator = ?2 AND v.year = ?3
                     ORDER BY v.version DESC LIMIT 1"
                ),
                params![value.plan, value.indicator, value.year],
                |row| decode_plan_value(row),
            )?;
            let document = match &value.document {
                Some(document) => Some(insert_document(tx, document, actor, at)?),
                None => None,
            };
            let (stored, entry) = new_value_version(value, before.as_ref(), document, actor, at);
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
            audit.push(entry);
            Ok(stored)
        })
    }

    fn plan_values(&self, plan: &str) -> Result<Vec<PlanValue>> {
        const DURING: &str = "querying plan values";
        select(
            self,
            DURING,
            &format!(
                "SELECT {PLAN_VALUE_COLUMNS} WHERE v.plan = ?1 AND v.version = (
                 SELECT max(version) FROM plan_value n
                 WHERE n.plan = v.plan AND n.indicator = v.indicator AND n.year = v.year)
             ORDER BY v.indicator, v.year"
            ),
            params![plan],
            |row| decode_plan_value(row),
        )
    }

    fn plan_value_history(&self, plan: &str, indicator: &str, year: i32) -> Result<Vec<PlanValue>> {
        const DURING: &str = "querying a plan value's history";
        select(
            self,
            DURING,
            &format!(
                "SELECT {PLAN_VALUE_COLUMNS} WHERE v.plan = ?1 AND v.indicator = ?2 AND v.year = ?3 ORDER BY v.version"
            ),
            params![plan, indicator, year],
            |row| decode_plan_value(row),
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
                    "SELECT {CITY_TARGET_COLUMNS} WHERE t.plan = ?1 AND t.indicator = ?2
                     ORDER BY t.version DESC LIMIT 1"
                ),
                params![target.plan, target.indicator],
                |row| decode_city_target(row),
            )?;
            let document = insert_document(tx, &target.document, actor, at)?;
            let (stored, entry) = new_target_version(target, before.as_ref(), document, actor, at);
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
            audit.push(entry);
            Ok(stored)
        })
    }

    fn city_targets(&self, plan: &str) -> Result<Vec<CityTarget>> {
        const DURING: &str = "querying city targets";
        select(
            self,
            DURING,
            &format!(
                "SELECT {CITY_TARGET_COLUMNS} WHERE t.plan = ?1 AND t.version = (
                 SELECT max(version) FROM plan_city_target n
                 WHERE n.plan = t.plan AND n.indicator = t.indicator)
             ORDER BY t.indicator"
            ),
            params![plan],
            |row| decode_city_target(row),
        )
    }

    fn city_target_history(&self, plan: &str, indicator: &str) -> Result<Vec<CityTarget>> {
        const DURING: &str = "querying a city target's history";
        select(
            self,
            DURING,
            &format!(
                "SELECT {CITY_TARGET_COLUMNS} WHERE t.plan = ?1 AND t.indicator = ?2 ORDER BY t.version"
            ),
            params![plan, indicator],
            |row| decode_city_target(row),
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
                    let info = decode_plan_document(row, 0)?.ok_or_else(|| crate::Error::Corrupt {
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
