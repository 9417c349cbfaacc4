//! [`PlanStore`] for [`PgStore`]: tables `plan_document`, `plan_value` and
//! `plan_city_target` (migration 0002), append-only (triggers refuse UPDATE
//! and DELETE); each new version is written with its audit entry through
//! `write_audited`. A version is the next after the newest, read under a
//! transaction-level advisory lock on its key, so two processes entering the
//! same indicator at once get versions n and n + 1, never one twice.

use ::postgres::Transaction;
use sha2::{Digest, Sha256};

use super::{database_error, select, select_opt};
use crate::encoding::millis;
use crate::plan_sync::{new_target_version, new_value_version, target_subject, value_subject};
use crate::rows::{
    CITY_TARGET_COLUMNS, PLAN_VALUE_COLUMNS, StoredRow, decode_city_target, decode_plan_document,
    decode_plan_value,
};
use crate::{
    CityTarget, NewCityTarget, NewPlanDocument, NewPlanValue, PgStore, PlanDocument,
    PlanDocumentInfo, PlanStore, PlanValue, Result,
};

fn insert_document(
    tx: &mut Transaction<'_>,
    document: &NewPlanDocument,
    actor: &str,
    at: model::Instant,
) -> Result<PlanDocumentInfo> {
    let digest: [u8; 32] = Sha256::digest(&document.bytes).into();
    let sha256 = evidence::to_hex(&digest);
    let n_bytes = document.bytes.len() as u64;
    let row = tx
        .query_one(
            "INSERT INTO plan_document (file_name, media_type, sha256, n_bytes, bytes, stored_ms, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &document.file_name,
                &document.media_type,
                &sha256,
                &i64::try_from(n_bytes).unwrap_or(i64::MAX),
                &document.bytes,
                &millis(at),
                &actor,
            ],
        )
        .map_err(database_error("storing a plan document"))?;
    Ok(PlanDocumentInfo {
        id: row.required_int(0, "plan_document", "id")?,
        file_name: document.file_name.clone(),
        media_type: document.media_type.clone(),
        n_bytes,
        sha256,
    })
}

/// Serialises versioning of one key across processes until the transaction ends.
fn lock_key(tx: &mut Transaction<'_>, key: &str) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&key])
        .map_err(database_error("locking a plan entry"))?;
    Ok(())
}

impl PlanStore for PgStore {
    fn enter_plan_value(
        &self,
        value: &NewPlanValue,
        actor: &str,
        at: model::Instant,
    ) -> Result<PlanValue> {
        const DURING: &str = "entering a plan value";
        let subject = value_subject(value);
        self.write_audited(DURING, |tx, audit| {
            lock_key(tx, &subject)?;
            let before = select_opt(
                tx,
                DURING,
                &format!(
                    "SELECT {PLAN_VALUE_COLUMNS} WHERE v.plan = $1 AND v.indicator = $2 AND v.year = $3
                     ORDER BY v.version DESC LIMIT 1"
                ),
                &[&value.plan, &value.indicator, &value.year],
                decode_plan_value,
            )?;
            let document = match &value.document {
                Some(document) => Some(insert_document(tx, document, actor, at)?),
                None => None,
            };
            let (stored, entry) = new_value_version(value, before.as_ref(), document, actor, at);
            tx.execute(
                "INSERT INTO plan_value (plan, indicator, year, version, value, note, document_id, actor, at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &stored.plan,
                    &stored.indicator,
                    &stored.year,
                    &i64::from(stored.version),
                    &stored.value,
                    &stored.note,
                    &stored.document.as_ref().map(|document| document.id),
                    &stored.actor,
                    &millis(at),
                ],
            )
            .map_err(database_error(DURING))?;
            audit.push(entry);
            Ok(stored)
        })
    }

    fn plan_values(&self, plan: &str) -> Result<Vec<PlanValue>> {
        let sql = format!(
            "SELECT {PLAN_VALUE_COLUMNS} WHERE v.plan = $1 AND v.version = (
                 SELECT max(version) FROM plan_value n
                 WHERE n.plan = v.plan AND n.indicator = v.indicator AND n.year = v.year)
             ORDER BY v.indicator, v.year"
        );
        self.read(|client| {
            select(client, "querying plan values", &sql, &[&plan], decode_plan_value)
        })
    }

    fn plan_value_history(&self, plan: &str, indicator: &str, year: i32) -> Result<Vec<PlanValue>> {
        let sql = format!(
            "SELECT {PLAN_VALUE_COLUMNS} WHERE v.plan = $1 AND v.indicator = $2 AND v.year = $3
             ORDER BY v.version"
        );
        self.read(|client| {
            select(
                client,
                "querying a plan value's history",
                &sql,
                &[&plan, &indicator, &year],
                decode_plan_value,
            )
        })
    }

    fn set_city_target(
        &self,
        target: &NewCityTarget,
        actor: &str,
        at: model::Instant,
    ) -> Result<CityTarget> {
        const DURING: &str = "setting a city target";
        let subject = target_subject(target);
        self.write_audited(DURING, |tx, audit| {
            lock_key(tx, &subject)?;
            let before = select_opt(
                tx,
                DURING,
                &format!(
                    "SELECT {CITY_TARGET_COLUMNS} WHERE t.plan = $1 AND t.indicator = $2
                     ORDER BY t.version DESC LIMIT 1"
                ),
                &[&target.plan, &target.indicator],
                decode_city_target,
            )?;
            let document = insert_document(tx, &target.document, actor, at)?;
            let (stored, entry) = new_target_version(target, before.as_ref(), document, actor, at);
            tx.execute(
                "INSERT INTO plan_city_target (plan, indicator, version, value, note, document_id, actor, at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &stored.plan,
                    &stored.indicator,
                    &i64::from(stored.version),
                    &stored.value,
                    &stored.note,
                    &stored.document.id,
                    &stored.actor,
                    &millis(at),
                ],
            )
            .map_err(database_error(DURING))?;
            audit.push(entry);
            Ok(stored)
        })
    }

    fn city_targets(&self, plan: &str) -> Result<Vec<CityTarget>> {
        let sql = format!(
            "SELECT {CITY_TARGET_COLUMNS} WHERE t.plan = $1 AND t.version = (
                 SELECT max(version) FROM plan_city_target n
                 WHERE n.plan = t.plan AND n.indicator = t.indicator)
             ORDER BY t.indicator"
        );
        self.read(|client| {
            select(client, "querying city targets", &sql, &[&plan], decode_city_target)
        })
    }

    fn city_target_history(&self, plan: &str, indicator: &str) -> Result<Vec<CityTarget>> {
        let sql = format!(
            "SELECT {CITY_TARGET_COLUMNS} WHERE t.plan = $1 AND t.indicator = $2 ORDER BY t.version"
        );
        self.read(|client| {
            select(
                client,
                "querying a city target's history",
                &sql,
                &[&plan, &indicator],
                decode_city_target,
            )
        })
    }

    fn plan_document(&self, id: i64) -> Result<Option<PlanDocument>> {
        const DURING: &str = "reading a plan document";
        self.read(|client| {
            let found = select_opt(
                client,
                DURING,
                "SELECT id, file_name, media_type, n_bytes, sha256, bytes FROM plan_document WHERE id = $1",
                &[&id],
                |row| {
                    let info = decode_plan_document(row, 0)?;
                    let bytes = row.bytes(5, "plan_document", "bytes")?;
                    Ok(info.zip(bytes))
                },
            )?;
            Ok(found.flatten().map(|(info, bytes)| PlanDocument { info, bytes }))
        })
    }
}
