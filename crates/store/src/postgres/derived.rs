//! [`DerivedStore`] for [`PgStore`]: tables `watermark`, `derived_result` and
//! `point_limit`, and the `reading_by_raw` index for the watermark scan.

use ::postgres::types::ToSql;
use model::{DataKind, PointId};

use super::{column, database_error, decode_all, point_exists};
use crate::encoding::{json_text, kind_to_db, limit_to_db, millis};
use crate::rows::{decode_derived, decode_point_limit, decode_touched};
use crate::{
    DerivedQuery, DerivedResult, DerivedStore, Error, PgStore, PointLimit, Result, Touched,
};

impl DerivedStore for PgStore {
    fn watermark(&self, name: &str) -> Result<i64> {
        self.read(|client| {
            let row = client
                .query_opt("SELECT raw_id FROM watermark WHERE name = $1", &[&name])
                .map_err(database_error("reading a watermark"))?;
            row.map_or(Ok(0), |row| column(&row, 0, "watermark", "raw_id"))
        })
    }

    fn touched_readings(
        &self,
        after_raw_id: i64,
        max_packets: u64,
        kind: DataKind,
    ) -> Result<Touched> {
        const DURING: &str = "scanning readings after a watermark";
        let db_kind = i32::try_from(kind_to_db(kind)).unwrap_or(i32::MAX);
        self.read(|client| {
            // One snapshot: the newest id and the readings. Ids are committed in
            // increasing order (the chain head lock), so none below it can appear later.
            let mut tx = super::snapshot(client, DURING)?;
            let newest: i64 = tx
                .query_opt("SELECT last_id FROM chain_head WHERE name = 'raw_packet'", &[])
                .map_err(database_error(DURING))?
                .map_or(Ok(0), |row| column(&row, 0, "chain_head", "last_id"))?;
            let up_to_raw_id = crate::derived::touched_up_to(after_raw_id, max_packets, newest);
            // The partial indexes `reading_by_raw` (hours) and `reading_by_raw_minute`
            // (minutes) cover one kind each; name the kind literally so a generic plan
            // can use them.
            let readings = match kind {
                DataKind::Hour => {
                    "SELECT point_id, data_ms FROM reading
                     WHERE raw_id > $1 AND raw_id <= $2 AND kind = 2 AND kind = $3"
                }
                DataKind::Minute => {
                    "SELECT point_id, data_ms FROM reading
                     WHERE raw_id > $1 AND raw_id <= $2 AND kind = 1 AND kind = $3"
                }
                DataKind::Realtime | DataKind::Day => {
                    "SELECT point_id, data_ms FROM reading
                     WHERE raw_id > $1 AND raw_id <= $2 AND kind = $3"
                }
            };
            // Corrections placed in the same range count like late readings
            // (UNION keeps each pair once).
            let sql = format!(
                "{readings} UNION {} ORDER BY 1, 2",
                super::corrections::CORRECTION_SCAN_SQL
            );
            let rows = tx
                .query(&sql, &[&after_raw_id, &up_to_raw_id, &db_kind])
                .map_err(database_error(DURING))?;
            let readings = decode_all(rows, decode_touched)?;
            tx.commit().map_err(database_error(DURING))?;
            Ok(Touched { readings, up_to_raw_id })
        })
    }

    fn newest_raw_id(&self) -> Result<i64> {
        const DURING: &str = "reading the newest raw packet id";
        self.read(|client| {
            let row = client
                .query_opt("SELECT last_id FROM chain_head WHERE name = 'raw_packet'", &[])
                .map_err(database_error(DURING))?;
            row.map_or(Ok(0), |row| column(&row, 0, "chain_head", "last_id"))
        })
    }

    fn commit_derived(&self, results: &[DerivedResult], name: &str, raw_id: i64) -> Result<()> {
        let details: Vec<String> = results
            .iter()
            .map(|result| json_text(&result.detail, "encoding a derived result"))
            .collect::<Result<_>>()?;
        let kinds: Vec<&str> = results.iter().map(|result| result.kind.as_str()).collect();
        let points: Vec<i64> = results.iter().map(|result| result.point.0).collect();
        let starts: Vec<i64> = results.iter().map(|result| millis(result.start)).collect();
        let periods: Vec<&str> = results.iter().map(|result| result.period.as_str()).collect();
        let editions: Vec<&str> = results.iter().map(|result| result.edition.as_str()).collect();
        let computed: Vec<i64> = results.iter().map(|result| millis(result.computed_at)).collect();
        self.write("committing derived results", |tx| {
            if !results.is_empty() {
                // Rows in key order; the last of equal keys wins, as with one upsert after another.
                tx.execute(
                    "INSERT INTO derived_result (kind, point_id, start_ms, period, edition, detail, computed_ms)
                     SELECT DISTINCT ON (kind, point_id, start_ms) kind, point_id, start_ms, period, edition,
                            detail, computed_ms
                     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                                 $7::bigint[]) WITH ORDINALITY
                          AS u (kind, point_id, start_ms, period, edition, detail, computed_ms, n)
                     ORDER BY kind, point_id, start_ms, n DESC
                     ON CONFLICT (kind, point_id, start_ms) DO UPDATE SET
                         period = excluded.period, edition = excluded.edition,
                         detail = excluded.detail, computed_ms = excluded.computed_ms",
                    &[&kinds, &points, &starts, &periods, &editions, &details, &computed],
                )
                .map_err(database_error("upserting derived results"))?;
            }
            tx.execute(
                "INSERT INTO watermark (name, raw_id) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET raw_id = excluded.raw_id",
                &[&name, &raw_id],
            )
            .map_err(database_error("advancing a watermark"))?;
            Ok(())
        })
    }

    fn derived(&self, query: &DerivedQuery) -> Result<Vec<DerivedResult>> {
        const COLUMNS: &str = "SELECT kind, point_id, start_ms, period, edition, detail, computed_ms FROM derived_result";
        let (kind, from, to, limit) =
            (query.kind.as_str(), millis(query.from), millis(query.to), limit_to_db(query.limit));
        self.read(|client| {
            let point = query.point.map(|point| point.0);
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&kind, &from, &to, &limit];
            let sql = match &point {
                Some(point) => {
                    params.push(point);
                    format!(
                        "{COLUMNS} WHERE kind = $1 AND point_id = $5 AND start_ms >= $2 AND start_ms < $3
                         ORDER BY start_ms LIMIT $4"
                    )
                }
                None => format!(
                    "{COLUMNS} WHERE kind = $1 AND start_ms >= $2 AND start_ms < $3
                     ORDER BY start_ms, point_id LIMIT $4"
                ),
            };
            let rows = client.query(&sql, &params).map_err(database_error("querying derived results"))?;
            decode_all(rows, decode_derived)
        })
    }

    fn set_point_limit(&self, limit: &PointLimit) -> Result<()> {
        let text = json_text(&limit.limit, "encoding a point limit")?;
        self.write("committing a point limit", |tx| {
            if !point_exists(tx, limit.point)? {
                return Err(Error::NotFound { entity: "point", id: limit.point.to_string() });
            }
            tx.execute(
                "INSERT INTO point_limit (point_id, param, limit_json) VALUES ($1, $2, $3)
                 ON CONFLICT (point_id, param) DO UPDATE SET limit_json = excluded.limit_json",
                &[&limit.point.0, &limit.param, &text],
            )
            .map_err(database_error("upserting a point limit"))?;
            Ok(())
        })
    }

    fn point_limits(&self, point: PointId) -> Result<Vec<PointLimit>> {
        self.read(|client| {
            let rows = client
                .query(
                    "SELECT point_id, param, limit_json FROM point_limit WHERE point_id = $1 ORDER BY param",
                    &[&point.0],
                )
                .map_err(database_error("querying point limits"))?;
            decode_all(rows, decode_point_limit)
        })
    }
}
