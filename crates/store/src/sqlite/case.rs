//! [`CaseStore`] for [`SqliteStore`].

use model::{Instant, PointId};
use rusqlite::params;

use super::{collect, database_error, decode_raw_packet, limit_to_db, millis};
use crate::{CaseStore, RawPacketRecord, Result, SqliteStore};

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
        // By MN (index raw_packet_by_mn) and by the readings' raw ids (the
        // reading primary key, each kind named so the range applies).
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes
                     FROM raw_packet
                     WHERE id > ?5 AND ((mn IN (SELECT mn FROM device WHERE point_id = ?1)
                            AND received_ms >= ?2 AND received_ms < ?3)
                        OR id IN (SELECT raw_id FROM reading
                                  WHERE point_id = ?1 AND kind IN (0, 1, 2, 3)
                                    AND data_ms >= ?2 AND data_ms < ?3))
                     ORDER BY id
                     LIMIT ?4",
                )
                .map_err(database_error(DURING))?;
            let rows = statement
                .query(params![point.0, millis(from), millis(to), limit_to_db(limit), after_id])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, decode_raw_packet)
        })
    }
}
