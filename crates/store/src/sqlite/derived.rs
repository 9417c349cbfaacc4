//! [`DerivedStore`] for [`SqliteStore`]: tables `watermark` and `derived_result`
//! (migration 3), and the `reading_by_raw` index for the watermark scan.

use model::{DataKind, PointId};
use rusqlite::params;

use super::corrections::CORRECTION_SCAN_SQL;
use super::{
    collect, column, database_error, json_text, kind_to_db, limit_to_db, millis, point_exists,
};
use crate::rows::{decode_derived, decode_point_limit, decode_touched};
use crate::{
    DerivedQuery, DerivedResult, DerivedStore, Error, PointLimit, Result, SqliteStore, Touched,
};

/// The scan of [`DerivedStore::touched_readings`] for `kind`: readings whose
/// packet arrived in the raw-id range, and corrections placed in it (which
/// count like late readings; `UNION` keeps each pair once). The partial
/// indexes `reading_by_raw` (hours, migration 3) and `reading_by_raw_minute`
/// (minutes, migration 11) serve it, and SQLite uses a partial index only
/// when the query names its kind literally; other kinds scan the table.
pub(super) fn touched_sql(kind: DataKind) -> String {
    let readings = match kind {
        DataKind::Hour => {
            "SELECT point_id, data_ms FROM reading
             WHERE raw_id > ?1 AND raw_id <= ?2 AND kind = 2 AND kind = ?3"
        }
        DataKind::Minute => {
            "SELECT point_id, data_ms FROM reading
             WHERE raw_id > ?1 AND raw_id <= ?2 AND kind = 1 AND kind = ?3"
        }
        DataKind::Realtime | DataKind::Day => {
            "SELECT point_id, data_ms FROM reading
             WHERE raw_id > ?1 AND raw_id <= ?2 AND kind = ?3"
        }
    };
    format!("{readings} UNION {CORRECTION_SCAN_SQL} ORDER BY 1, 2")
}

impl DerivedStore for SqliteStore {
    fn watermark(&self, name: &str) -> Result<i64> {
        const DURING: &str = "reading a watermark";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached("SELECT raw_id FROM watermark WHERE name = ?1")
                .map_err(database_error(DURING))?;
            let mut rows = statement.query(params![name]).map_err(database_error(DURING))?;
            match rows.next().map_err(database_error(DURING))? {
                Some(row) => column(row, 0, "watermark", "raw_id"),
                None => Ok(0),
            }
        })
    }

    fn touched_readings(
        &self,
        after_raw_id: i64,
        max_packets: u64,
        kind: DataKind,
    ) -> Result<Touched> {
        const DURING: &str = "scanning readings after a watermark";
        self.read(|conn| {
            // One read transaction: the newest id and the readings from one snapshot.
            let tx = conn.unchecked_transaction().map_err(database_error(DURING))?;
            let newest: Option<i64> = tx
                .query_row("SELECT max(id) FROM raw_packet", [], |row| row.get(0))
                .map_err(database_error(DURING))?;
            let up_to_raw_id =
                crate::derived::touched_up_to(after_raw_id, max_packets, newest.unwrap_or(0));
            let mut statement =
                tx.prepare_cached(&touched_sql(kind)).map_err(database_error(DURING))?;
            let rows = statement
                .query(params![after_raw_id, up_to_raw_id, kind_to_db(kind)])
                .map_err(database_error(DURING))?;
            let readings = collect(rows, DURING, |row| decode_touched(row))?;
            drop(statement);
            tx.finish().map_err(database_error(DURING))?;
            Ok(Touched { readings, up_to_raw_id })
        })
    }

    fn newest_raw_id(&self) -> Result<i64> {
        const DURING: &str = "reading the newest raw packet id";
        self.read(|conn| {
            conn.query_row("SELECT coalesce(max(id), 0) FROM raw_packet", [], |row| row.get(0))
                .map_err(database_error(DURING))
        })
    }

    fn commit_derived(&self, results: &[DerivedResult], name: &str, raw_id: i64) -> Result<()> {
        let encoded: Vec<String> = results
            .iter()
            .map(|result| json_text(&result.detail, "encoding a derived result"))
            .collect::<Result<_>>()?;
        self.write("committing derived results", |tx| {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO derived_result (kind, point_id, start_ms, period, edition, detail, computed_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (kind, point_id, start_ms) DO UPDATE SET
                         period = excluded.period, edition = excluded.edition,
                         detail = excluded.detail, computed_ms = excluded.computed_ms",
                )
                .map_err(database_error("preparing the derived result upsert"))?;
            for (result, detail) in results.iter().zip(&encoded) {
                upsert
                    .execute(params![
                        result.kind.as_str(),
                        result.point.0,
                        millis(result.start),
                        result.period,
                        result.edition,
                        detail,
                        millis(result.computed_at)
                    ])
                    .map_err(database_error("upserting a derived result"))?;
            }
            tx.prepare_cached(
                "INSERT INTO watermark (name, raw_id) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET raw_id = excluded.raw_id",
            )
            .and_then(|mut statement| statement.execute(params![name, raw_id]))
            .map_err(database_error("advancing a watermark"))?;
            Ok(())
        })
    }

    fn derived(&self, query: &DerivedQuery) -> Result<Vec<DerivedResult>> {
        const DURING: &str = "querying derived results";
        const COLUMNS: &str = "SELECT kind, point_id, start_ms, period, edition, detail, computed_ms FROM derived_result";
        self.read(|conn| match query.point {
            Some(point) => {
                let mut statement = conn
                    .prepare_cached(&format!(
                        "{COLUMNS} WHERE kind = ?1 AND point_id = ?2 AND start_ms >= ?3 AND start_ms < ?4
                         ORDER BY start_ms LIMIT ?5"
                    ))
                    .map_err(database_error(DURING))?;
                let rows = statement
                    .query(params![
                        query.kind.as_str(),
                        point.0,
                        millis(query.from),
                        millis(query.to),
                        limit_to_db(query.limit)
                    ])
                    .map_err(database_error(DURING))?;
                collect(rows, DURING, |row| decode_derived(row))
            }
            None => {
                let mut statement = conn
                    .prepare_cached(&format!(
                        "{COLUMNS} WHERE kind = ?1 AND start_ms >= ?2 AND start_ms < ?3
                         ORDER BY start_ms, point_id LIMIT ?4"
                    ))
                    .map_err(database_error(DURING))?;
                let rows = statement
                    .query(params![
                        query.kind.as_str(),
                        millis(query.from),
                        millis(query.to),
                        limit_to_db(query.limit)
                    ])
                    .map_err(database_error(DURING))?;
                collect(rows, DURING, |row| decode_derived(row))
            }
        })
    }

    fn set_point_limit(&self, limit: &PointLimit) -> Result<()> {
        let text = json_text(&limit.limit, "encoding a point limit")?;
        self.write("committing a point limit", |tx| {
            if !point_exists(tx, limit.point)? {
                return Err(Error::NotFound { entity: "point", id: limit.point.to_string() });
            }
            tx.prepare_cached(
                "INSERT INTO point_limit (point_id, param, limit_json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (point_id, param) DO UPDATE SET limit_json = excluded.limit_json",
            )
            .and_then(|mut statement| statement.execute(params![limit.point.0, limit.param, text]))
            .map_err(database_error("upserting a point limit"))?;
            Ok(())
        })
    }

    fn point_limits(&self, point: PointId) -> Result<Vec<PointLimit>> {
        const DURING: &str = "querying point limits";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT point_id, param, limit_json FROM point_limit WHERE point_id = ?1 ORDER BY param",
                )
                .map_err(database_error(DURING))?;
            let rows = statement.query(params![point.0]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_point_limit(row))
        })
    }
}
