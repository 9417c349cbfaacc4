//! The standards engine's platform side: derived results computed as data
//! arrives and re-derived when late data changes an hour, a day or a month.
//!
//! [`Evaluator::pass`] follows the raw archive with a watermark (the highest
//! `raw_packet` id whose readings were evaluated, kept in the store). Each
//! pass lists the hour readings that packets after the watermark stored,
//! finds the air-station days and surface-water days and months they touch,
//! recomputes those from every stored hour of the period with the pure
//! `standards` crate, and upserts the results together with the new
//! watermark in one transaction ([`store::DerivedStore::commit_derived`]).
//! A re-sent packet stores no new readings, so it changes nothing; a late
//! hour is a new reading, so its day is recomputed.
//!
//! Derived now:
//! - air stations: hourly (real-time) AQI per Beijing hour and daily AQI per
//!   Beijing day (HJ 633, GB 3095, HJ 663; the edition in force on the date);
//! - surface-water sections: class per Beijing day and per Beijing month
//!   (GB 3838-2002, single-factor method on the period means), each judged
//!   as the river, lake or reservoir the registry gives it and against its
//!   registry target class (target attainment), drinking-water sources with
//!   the supplementary items and their own target; a result records the
//!   target it was judged against (a registry change applies to the days
//!   derived after it);
//! - source outlets (flue gas, wastewater) with permit limits in the store:
//!   exceedance per Beijing hour and day (`standards::emission::judge`).
//!
//! Hours come from HJ 212 hour data (CN 2061), whose `DataTime` is the start
//! of the hour; an outlet's day data (CN 2031) is judged against its daily
//! limits in place of the mean of its hours; they are passed to the standards as [`HourLabel::PeriodStart`]
//! and never shifted by hand.
//!
//! **Boundaries.** Channels carry wake-ups; the store carries data: the
//! evaluator reads through the store's reader pool, writes only derived tables
//! in short transactions, and can restart from the store at any time. It knows
//! nothing of HJ 212 framing or HTTP.
//!
//! ```no_run
//! # use std::sync::Arc;
//! let store: Arc<dyn store::Store> = Arc::new(store::SqliteStore::open_in_memory()?);
//! let evaluator = evaluation::Evaluator::new(
//!     store,
//!     Arc::new(model::SystemClock),
//!     evaluation::EvaluationConfig::default(),
//! );
//! let report = evaluator.pass()?;
//! assert_eq!(report.n_results, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`HourLabel::PeriodStart`]: standards::edition::HourLabel::PeriodStart

mod air;
pub mod area;
mod error;
mod events;
mod outlet;
mod water;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use model::{Clock, DataKind, PointId};
use serde::{Deserialize, Serialize};
use store::{PointKind, Store};
use tokio::sync::watch;

pub use error::{Error, Result};
pub use events::{Event, Metrics, PassLabels};

/// The name of the evaluator's watermark in the store.
pub const WATERMARK: &str = "evaluation";

/// Settings of the evaluator, `[evaluation]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluationConfig {
    /// Seconds between passes over newly stored data.
    pub interval_secs: u64,
    /// Most archived packets one pass covers; a backlog is worked off in
    /// several short passes, one transaction each.
    pub max_packets_per_pass: u64,
}

impl Default for EvaluationConfig {
    fn default() -> Self {
        EvaluationConfig { interval_secs: 5, max_packets_per_pass: 2_000 }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Distinct (point, hour) readings found after the old watermark.
    pub n_readings: usize,
    /// Derived results upserted.
    pub n_results: usize,
    /// The watermark after the pass (the highest evaluated raw packet id).
    pub watermark: i64,
    /// Whether the pass stopped at [`EvaluationConfig::max_packets_per_pass`]
    /// with more packets archived after it.
    pub more: bool,
}

/// Most derived results written in one transaction.
const COMMIT_CHUNK: usize = 200;

/// Pause between back-to-back passes while a backlog remains.
const BACKLOG_PAUSE: Duration = Duration::from_millis(50);

/// Derives results from stored readings; cheap to clone.
#[derive(Clone)]
pub struct Evaluator {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: EvaluationConfig,
    metrics: Metrics,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Evaluator {
    /// An evaluator over `store`, stamping results with `clock`'s time; its
    /// metrics are not registered anywhere (see [`Evaluator::with_metrics`]).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: EvaluationConfig) -> Self {
        Evaluator { store, clock, config, metrics: Metrics::default() }
    }

    /// The same evaluator counting into `metrics` (from [`Metrics::register`]).
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Evaluator { metrics, ..self }
    }

    /// One pass (blocking): evaluates what packets after the watermark brought
    /// and commits the results with the new watermark; durable on return.
    /// The outcome is logged and counted.
    pub fn pass(&self) -> Result<PassReport> {
        let outcome = self.pass_unrecorded();
        match &outcome {
            Ok(report) => self.metrics.record(Event::PassCommitted(report)),
            Err(error) => self.metrics.record(Event::PassFailed(error)),
        }
        outcome
    }

    fn pass_unrecorded(&self) -> Result<PassReport> {
        let from = self.store.watermark(WATERMARK)?;
        let window = i64::try_from(self.config.max_packets_per_pass.max(1)).unwrap_or(i64::MAX);
        // Skip windows of packets without hour data (minute and realtime uploads)
        // without a write each: the watermark is committed once, with the results.
        let mut scanned_from = from;
        let (touched, touched_days) = loop {
            let touched = self.store.touched_readings(
                scanned_from,
                self.config.max_packets_per_pass.max(1),
                DataKind::Hour,
            )?;
            // Day data (CN 2031) of the same packets: bounded to the window the
            // hour scan saw, so both describe the same packets.
            let window_packets = u64::try_from(touched.up_to_raw_id - scanned_from).unwrap_or(0);
            let touched_days = if window_packets == 0 {
                Vec::new()
            } else {
                self.store.touched_readings(scanned_from, window_packets, DataKind::Day)?.readings
            };
            let full_window = touched.up_to_raw_id >= scanned_from.saturating_add(window);
            if !touched.readings.is_empty() || !touched_days.is_empty() || !full_window {
                break (touched, touched_days);
            }
            scanned_from = touched.up_to_raw_id;
        };
        let mut report = PassReport {
            n_readings: touched.readings.len(),
            n_results: 0,
            watermark: touched.up_to_raw_id,
            more: false,
        };
        if touched.up_to_raw_id == from {
            return Ok(report);
        }
        report.more = touched.up_to_raw_id >= scanned_from.saturating_add(window);

        let kinds: HashMap<PointId, PointKind> =
            self.store.points()?.into_iter().map(|record| (record.id, record.point.kind)).collect();
        let mut air_days: BTreeSet<(PointId, NaiveDate)> = BTreeSet::new();
        let mut water_days: BTreeSet<(PointId, NaiveDate)> = BTreeSet::new();
        let mut water_months: BTreeSet<(PointId, i32, u32)> = BTreeSet::new();
        let mut outlet_days: BTreeSet<(PointId, NaiveDate)> = BTreeSet::new();
        for reading in &touched.readings {
            let date = reading.data_time.to_beijing().date();
            match kinds.get(&reading.point) {
                Some(PointKind::AirStation) => {
                    air_days.insert((reading.point, date));
                    // The next day's O3 8-hour windows and 24-hour moving
                    // means reach back into this day.
                    if let Some(next) = date.succ_opt() {
                        air_days.insert((reading.point, next));
                    }
                }
                Some(PointKind::SurfaceWater) => {
                    water_days.insert((reading.point, date));
                    water_months.insert((reading.point, date.year(), date.month()));
                }
                Some(PointKind::FlueGas | PointKind::Wastewater) => {
                    outlet_days.insert((reading.point, date));
                }
                _ => {}
            }
        }
        // Outlets' day data (CN 2031, `DataTime` the start of the Beijing day)
        // is judged against their daily limits.
        for reading in &touched_days {
            if let Some(PointKind::FlueGas | PointKind::Wastewater) = kinds.get(&reading.point) {
                outlet_days.insert((reading.point, reading.data_time.to_beijing().date()));
            }
        }

        let now = self.clock.now();
        let mut results = Vec::new();
        for &(point, date) in &air_days {
            results.extend(air::derive_day(self.store.as_ref(), point, date, now)?);
        }
        let sections = if water_days.is_empty() {
            HashMap::new()
        } else {
            water::section_sites(self.store.as_ref())?
        };
        let section = |point: &PointId| sections.get(point).copied().unwrap_or_default();
        for &(point, date) in &water_days {
            let site = section(&point);
            results.extend(water::derive_day(self.store.as_ref(), site, point, date, now)?);
        }
        for &(point, year, month) in &water_months {
            let site = section(&point);
            results.extend(water::derive_month(
                self.store.as_ref(),
                site,
                point,
                year,
                month,
                now,
            )?);
        }
        for &(point, date) in &outlet_days {
            results.extend(outlet::derive_day(self.store.as_ref(), point, date, now)?);
        }
        // Short write transactions, so ingest's group commits are never held up
        // for long: upserts are idempotent, so only the last chunk moves the watermark.
        let mut chunks = results.chunks(COMMIT_CHUNK).peekable();
        while let Some(chunk) = chunks.next() {
            let watermark = if chunks.peek().is_some() { from } else { touched.up_to_raw_id };
            self.store.commit_derived(chunk, WATERMARK, watermark)?;
        }
        if results.is_empty() {
            self.store.commit_derived(&[], WATERMARK, touched.up_to_raw_id)?;
        }
        report.n_results = results.len();
        Ok(report)
    }

    /// Runs passes every [`EvaluationConfig::interval_secs`] (back to back
    /// while a backlog remains) on blocking threads until `shutdown` turns
    /// true or its sender is dropped. A failed pass is logged and retried
    /// from the same watermark on the next tick.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let interval = Duration::from_secs(self.config.interval_secs.max(1));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let evaluator = self.clone();
            let more = match tokio::task::spawn_blocking(move || evaluator.pass()).await {
                Ok(Ok(report)) => report.more,
                // Logged and counted by `pass`.
                Ok(Err(_)) => false,
                Err(error) => {
                    self.metrics.record(Event::PassFailed(&Error::Task(error.to_string())));
                    false
                }
            };
            if more {
                // Work off the backlog, but leave the cores and the writer to ingest in between.
                tokio::time::sleep(BACKLOG_PAUSE).await;
                continue;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    // A dropped sender means nobody can stop us any more: stop now.
                    if changed.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep(interval) => {}
            }
        }
        self.metrics.record(Event::Stopped);
    }
}
