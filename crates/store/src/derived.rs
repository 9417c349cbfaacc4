//! Derived results: what the standards engine (the `evaluation` service)
//! computes from stored readings, kept in the store and served from it.
//!
//! The evaluator follows the raw archive with a **watermark**: the highest
//! `raw_packet` id whose readings it has evaluated. [`DerivedStore::touched_readings`]
//! lists what packets after the watermark brought, and
//! [`DerivedStore::commit_derived`] upserts the recomputed results and advances
//! the watermark in one transaction, so a restarted evaluator continues where
//! the last commit left off and never duplicates a result.

use model::{DataKind, Instant, PointId};
use serde::{Deserialize, Serialize};

use crate::Result;

/// What a derived result is about; one row per kind, point and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedKind {
    /// Hourly (real-time) AQI of an air station, per Beijing clock hour.
    AirHourly,
    /// Daily AQI of an air station, per Beijing day.
    AirDaily,
    /// Water class of a surface-water section, per Beijing day.
    WaterDaily,
    /// Water class of a surface-water section, per Beijing month.
    WaterMonthly,
    /// Exceedance of an outlet's permit limits, per Beijing clock hour.
    OutletHourly,
    /// Exceedance of an outlet's permit limits, per Beijing day (hourly limits judged hour by hour).
    OutletDaily,
}

impl DerivedKind {
    /// All kinds.
    pub const ALL: [DerivedKind; 6] = [
        DerivedKind::AirHourly,
        DerivedKind::AirDaily,
        DerivedKind::WaterDaily,
        DerivedKind::WaterMonthly,
        DerivedKind::OutletHourly,
        DerivedKind::OutletDaily,
    ];

    /// Stable snake_case name used in storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DerivedKind::AirHourly => "air_hourly",
            DerivedKind::AirDaily => "air_daily",
            DerivedKind::WaterDaily => "water_daily",
            DerivedKind::WaterMonthly => "water_monthly",
            DerivedKind::OutletHourly => "outlet_hourly",
            DerivedKind::OutletDaily => "outlet_daily",
        }
    }

    /// Parses the name written by [`DerivedKind::as_str`].
    pub fn parse(text: &str) -> Option<DerivedKind> {
        DerivedKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One derived result of one point and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivedResult {
    /// What it is.
    pub kind: DerivedKind,
    /// The station, section or outlet.
    pub point: PointId,
    /// UTC start of the period (a Beijing hour, day or month).
    pub start: Instant,
    /// The period's Beijing label: `2026-03-02T08:00` (hour start), `2026-03-02`, `2026-03`.
    pub period: String,
    /// The edition of the standard that produced it, e.g. `HJ 633-2026`.
    pub edition: String,
    /// The result in the standard's vocabulary (`aqi`, `level`, `class` …), as JSON.
    pub detail: serde_json::Value,
    /// When it was computed; a recomputation replaces the row and this time.
    pub computed_at: Instant,
}

/// A query for derived results of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedQuery {
    /// The kind.
    pub kind: DerivedKind,
    /// One point, or every point.
    pub point: Option<PointId>,
    /// Inclusive start of the range of period starts.
    pub from: Instant,
    /// Exclusive end of the range of period starts.
    pub to: Instant,
    /// At most this many results.
    pub limit: usize,
}

/// A stored reading brought by a packet after a watermark: enough to know
/// which hours, days and months to recompute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TouchedReading {
    /// The point.
    pub point: PointId,
    /// The data time of the reading.
    pub data_time: Instant,
}

/// What packets after a watermark brought, up to a bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Distinct (point, data time) of the new readings of the asked kind.
    pub readings: Vec<TouchedReading>,
    /// The highest raw packet id covered: store it as the new watermark once
    /// the results are committed. Equal to the old watermark when nothing is new.
    pub up_to_raw_id: i64,
}

/// The `up_to_raw_id` of [`DerivedStore::touched_readings`]: the newest
/// archived id, at most `max_packets` past the watermark, never before it.
pub(crate) fn touched_up_to(after_raw_id: i64, max_packets: u64, newest_raw_id: i64) -> i64 {
    let bound = after_raw_id.saturating_add(i64::try_from(max_packets).unwrap_or(i64::MAX));
    newest_raw_id.min(bound).max(after_raw_id)
}

/// A source outlet's permit limit for one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointLimit {
    /// The outlet.
    pub point: PointId,
    /// The HJ 212 parameter code the limit applies to, e.g. `a21026`.
    pub param: String,
    /// The limit as `standards::emission::PermitLimit` JSON (bound, unit,
    /// averaging, conversion); the store does not interpret it.
    pub limit: serde_json::Value,
}

/// Storage of derived results, of watermarks over the raw archive and of
/// the outlets' permit limits they are judged against.
pub trait DerivedStore: Send + Sync {
    /// The watermark called `name` (the highest evaluated raw packet id), 0 if never set.
    fn watermark(&self, name: &str) -> Result<i64>;

    /// The distinct (point, data time) of readings of `kind` first stored by
    /// packets with `after_raw_id < id ≤ up_to_raw_id`, where `up_to_raw_id` is
    /// the newest archived packet id, at most `after_raw_id + max_packets`.
    /// Reads one consistent snapshot.
    fn touched_readings(
        &self,
        after_raw_id: i64,
        max_packets: u64,
        kind: DataKind,
    ) -> Result<Touched>;

    /// The id of the newest archived raw packet, 0 when the archive is empty:
    /// where a later [`DerivedStore::touched_readings`] scan starts to see
    /// everything stored after this call (ids are committed in increasing order).
    fn newest_raw_id(&self) -> Result<i64>;

    /// Upserts `results` (replacing any stored result with the same kind,
    /// point and period start) and sets the watermark `name` to `raw_id`, in
    /// one transaction; returns once it is committed.
    fn commit_derived(&self, results: &[DerivedResult], name: &str, raw_id: i64) -> Result<()>;

    /// Derived results matching the query, ordered by period start, then point.
    fn derived(&self, query: &DerivedQuery) -> Result<Vec<DerivedResult>>;

    /// Sets (creates or replaces) an outlet's limit for one parameter; returns once committed.
    ///
    /// Results already derived are not recomputed: the limit applies from the
    /// next evaluation of each hour or day.
    fn set_point_limit(&self, limit: &PointLimit) -> Result<()>;

    /// The limits of `point`, by parameter code.
    fn point_limits(&self, point: PointId) -> Result<Vec<PointLimit>>;
}
