//! Corrections of stored readings: new versions, never overwrites (#4).
//!
//! A reading as received (version 1) stays in `reading`, and the raw packet it
//! came in stays in the archive. A correction adds version 2, 3, … of the same
//! [`model::ReadingKey`] with the full corrected values, who made it, when and
//! why; the newest version is the current one. [`crate::Store::readings`]
//! returns current values, so everything downstream (derived results, alarms,
//! totals, plan metrics, exports) uses them; [`CorrectionStore::marked_readings`]
//! returns the same readings with a marker naming the correction, and
//! [`CorrectionStore::reading_history`] every version.
//!
//! **Re-evaluation.** A correction takes its place in the order of the raw
//! archive just after the newest packet stored when it was made, where the next
//! packet will go ([`ReadingVersion::arrival_raw_id`]). The watermark scans of evaluation and
//! alarms ([`crate::DerivedStore::touched_readings`]) report it like a late
//! reading once the archive has passed that place, that is, with the next packet
//! any device sends; a correction of realtime or minute data reports its hour in
//! the hour scan, so the hour's day is judged again.
//!
//! Every correction is audited in its own transaction
//! (`reading_corrected`, with `before` and `after` values and the reason).

use model::{Instant, Reading, ReadingKey, ReadingValues};
use serde::{Deserialize, Serialize};

use crate::{ReadingQuery, Result};

/// A correction to store: the reading it corrects, its new values and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCorrection {
    /// The reading corrected; it must be stored.
    pub key: ReadingKey,
    /// The full corrected values (fields left `None` are absent in the new version).
    pub values: ReadingValues,
    /// Why (必填): e.g. the calibration record or the inspection that found the error.
    pub reason: String,
}

/// One version of a reading: as received (version 1) or a correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingVersion {
    /// 1 as received, then one more per correction.
    pub version: u32,
    /// The values of this version.
    pub values: ReadingValues,
    /// Who made the correction; `None` for the version as received.
    pub actor: Option<String>,
    /// When the correction was made; `None` for the version as received.
    pub at: Option<Instant>,
    /// Why; `None` for the version as received.
    pub reason: Option<String>,
    /// Where this version arrives in the raw archive's order: the id of the raw
    /// packet the reading came in (version 1), or, for a correction, one past the
    /// newest packet archived when it was made, so the watermark scans report it
    /// together with the next packet.
    pub arrival_raw_id: i64,
}

/// Who corrected a reading's current version, when and why: the marker queries show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionMarker {
    /// The current version (2 or more).
    pub version: u32,
    /// Who made it.
    pub actor: String,
    /// When.
    pub at: Instant,
    /// Why.
    pub reason: String,
}

/// A reading's current version and, if it was corrected, the marker saying so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkedReading {
    /// The reading with its current values.
    pub reading: Reading,
    /// `Some` when the current values are a correction.
    pub corrected: Option<CorrectionMarker>,
}

/// Errors specific to corrections, carried by [`crate::Error::Correction`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    /// A correction needs a reason.
    #[error("a correction needs a reason (更正须说明原因)")]
    ReasonRequired,
    /// The new values equal the current ones.
    #[error("the corrected values equal the current version {version} (更正值与当前版本相同)")]
    Unchanged {
        /// The current version.
        version: u32,
    },
}

/// Corrections of stored readings as versions. See the module docs.
pub trait CorrectionStore {
    /// Adds a correction as the reading's next version, with its audit entry
    /// (`reading_corrected`: before, after, reason) in the same transaction;
    /// returns the new version once it is durable.
    ///
    /// Refused with [`crate::Error::NotFound`] when no reading has the key, and
    /// with [`CorrectionError`] when the reason is blank or nothing changes.
    fn correct_reading(
        &self,
        correction: &NewCorrection,
        actor: &str,
        at: Instant,
    ) -> Result<ReadingVersion>;

    /// Every version of a reading, oldest first (version 1 is as received);
    /// empty when no reading has the key.
    fn reading_history(&self, key: &ReadingKey) -> Result<Vec<ReadingVersion>>;

    /// [`crate::Store::readings`] with each reading's correction marker.
    fn marked_readings(&self, query: &ReadingQuery) -> Result<Vec<MarkedReading>>;
}
