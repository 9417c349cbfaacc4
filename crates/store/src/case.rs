//! What an enforcement-case export reads beyond the other traits: the raw
//! packets behind one point's data for a period (#4).

use model::{Instant, PointId};

use crate::{RawPacketRecord, Result};

/// Reads for the enforcement-case export.
pub trait CaseStore {
    /// The archived packets of one point for `[from, to)` with ids above
    /// `after_id` (for paging), oldest first, at most `limit`: every packet received in the period from an MN of the point's
    /// devices (accepted or refused), and every packet that brought a reading of
    /// the point with a data time in the period (late data included).
    fn point_raw_packets(
        &self,
        point: PointId,
        from: Instant,
        to: Instant,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<RawPacketRecord>>;
}
