//! [`CaseStore`] for [`SqliteStore`].

use model::{Instant, PointId};
use rusqlite::params;

use super::{collect, database_error, decode_raw_packet, limit_to_db, millis};
use crate::{CaseStore, RawPacketRecord, Result, SqliteStore};

/// A point's raw packets: `?1` point, `[?2, ?3)` period, `?4` limit, `?5` after id.
/// Two index searches: by MN (`raw_packet_by_mn`) and by the readings' raw ids
/// (the reading primary key, each kind named so the range applies); never a
/// scan of the archive.
const POINT_RAW_SQL: &str =
    "SELECT id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes
     FROM raw_packet
     WHERE id IN (
         SELECT id FROM raw_packet
         WHERE mn IN (SELECT mn FROM device WHERE point_id = ?1)
           AND received_ms >= ?2 AND received_ms < ?3 AND id > ?5
         UNION
         SELECT raw_id FROM reading
         WHERE point_id = ?1 AND kind IN (0, 1, 2, 3)
           AND data_ms >= ?2 AND data_ms < ?3 AND raw_id > ?5)
     ORDER BY id
     LIMIT ?4";

impl CaseStore for SqliteStore {
    fn point_raw_packets(
        &self,
        point: PointId,
        from: Instant,
        to: Instant,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<RawPacketRecord>> {
        const DURING: &str = "querying a point's raw packets";
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached(POINT_RAW_SQL).map_err(database_error(DURING))?;
            let rows = statement
                .query(params![point.0, millis(from), millis(to), limit_to_db(limit), after_id])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_raw_packet(row))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::POINT_RAW_SQL;
    use crate::SqliteStore;

    #[test]
    fn a_points_raw_packets_are_found_through_indexes_not_a_scan() {
        let store = SqliteStore::open_in_memory().unwrap();
        let plan = store
            .read(|conn| {
                let mut statement =
                    conn.prepare(&format!("EXPLAIN QUERY PLAN {POINT_RAW_SQL}")).unwrap();
                let rows = statement
                    .query_map([1_i64, 0, 1, 10, 0], |row| row.get::<_, String>(3))
                    .unwrap();
                Ok(rows.map(|row| row.unwrap()).collect::<Vec<_>>().join("\n"))
            })
            .unwrap();
        assert!(plan.contains("SEARCH raw_packet USING INDEX raw_packet_by_mn"), "{plan}");
        assert!(plan.contains("SEARCH reading USING PRIMARY KEY"), "{plan}");
        assert!(!plan.contains("SCAN raw_packet") && !plan.contains("SCAN reading"), "{plan}");
    }
}
