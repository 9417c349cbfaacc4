//! The detection rules: pure functions of readings (or derived results),
//! thresholds and context, returning what holds ([`Finding`]) and which
//! re-evaluated windows no longer hold ([`Cleared`]).
//!
//! One module per family: [`exceedance`] (permit limits), [`ambient`] (AQI,
//! water class, upstream/downstream), [`availability`] (offline, missing
//! data, clock, flags) and [`suspicious`] (the patterns inspectors look for).
//! Every finding names its rule, its evidence window and the values.
//!
//! No rule reads a clock or the store: `now` and the data are arguments.

pub mod ambient;
pub mod availability;
pub mod exceedance;
pub mod suspicious;

#[cfg(test)]
mod tests;

use model::alarm::{AlarmKey, Rule, Severity};
use model::{DataKind, Instant, PointId, Reading};
use store::{Cleared, Finding};

/// What a rule concluded over the windows it examined.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judged {
    /// Windows where the rule holds.
    pub findings: Vec<Finding>,
    /// Windows re-examined where it does not.
    pub cleared: Vec<Cleared>,
}

impl Judged {
    /// Records that the rule holds over `[from, to)`.
    pub fn hold(
        &mut self,
        key: AlarmKey,
        severity: Severity,
        (from, to): (Instant, Instant),
        evidence: serde_json::Value,
    ) {
        self.findings.push(Finding {
            key,
            severity,
            window_from: from,
            window_to: to,
            evidence,
            assignee: None,
        });
    }

    /// Records that the rule does not hold for windows starting in `[from, to)`.
    pub fn clear(&mut self, key: AlarmKey, from: Instant, to: Instant) {
        self.cleared.push(Cleared { key, within: Some((from, to)) });
    }

    /// Either [`Judged::hold`] or [`Judged::clear`] for one window.
    pub fn window(
        &mut self,
        key: AlarmKey,
        window: (Instant, Instant),
        verdict: Option<(Severity, serde_json::Value)>,
    ) {
        match verdict {
            Some((severity, evidence)) => self.hold(key, severity, window, evidence),
            None => self.clear(key, window.0, plus_ms(window.0, 1)),
        }
    }

    /// Adds another rule's conclusions.
    pub fn extend(&mut self, other: Judged) {
        self.findings.extend(other.findings);
        self.cleared.extend(other.cleared);
    }
}

/// The key of an alarm.
pub fn key(point: PointId, rule: Rule, pollutant: &str) -> AlarmKey {
    AlarmKey { point, rule, pollutant: pollutant.to_owned() }
}

/// `instant` plus `ms` milliseconds (saturating at the end of time).
pub fn plus_ms(instant: Instant, ms: i64) -> Instant {
    Instant::from_unix_millis(instant.unix_millis().saturating_add(ms)).unwrap_or(instant)
}

/// The period a reading of `kind` covers, in milliseconds (realtime: 1 minute).
pub fn period_ms(kind: DataKind) -> i64 {
    match kind {
        DataKind::Realtime | DataKind::Minute => 60_000,
        DataKind::Hour => 3_600_000,
        DataKind::Day => 86_400_000,
    }
}

/// A reading's value for its period (`Avg`, or `Rtd` for realtime data).
pub fn value(reading: &Reading) -> Option<f64> {
    reading.values.representative(reading.key.kind)
}

/// A stretch of consecutive readings (no gap longer than `max_gap_ms`) that
/// all satisfy a predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Index of its first reading.
    pub first: usize,
    /// Index of its last reading.
    pub last: usize,
    /// Data time of the first reading.
    pub from: Instant,
    /// End of the last reading's period.
    pub to: Instant,
}

impl Run {
    /// Its length in minutes (from the first reading to the end of the last one's period).
    pub fn minutes(&self) -> i64 {
        (self.to.0 - self.from.0).num_minutes()
    }

    /// Readings in it.
    pub fn len(&self) -> usize {
        self.last + 1 - self.first
    }

    /// Whether it is empty (never: a run has a first reading).
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The runs of `readings` (sorted by data time) where `holds(i)` is true.
pub fn runs(readings: &[Reading], max_gap_ms: i64, holds: impl Fn(usize) -> bool) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut current: Option<Run> = None;
    for (index, reading) in readings.iter().enumerate() {
        let time = reading.key.data_time;
        let end = plus_ms(time, period_ms(reading.key.kind));
        if !holds(index) {
            out.extend(current.take());
            continue;
        }
        current = match current {
            Some(run)
                if (time.0 - readings[run.last].key.data_time.0).num_milliseconds()
                    <= max_gap_ms =>
            {
                Some(Run { last: index, to: end, ..run })
            }
            Some(run) => {
                out.push(run);
                Some(Run { first: index, last: index, from: time, to: end })
            }
            None => Some(Run { first: index, last: index, from: time, to: end }),
        };
    }
    out.extend(current);
    out
}

/// The longest of `runs` (by duration), if any.
pub fn longest(runs: &[Run]) -> Option<Run> {
    runs.iter().copied().max_by_key(|run| (run.to.0 - run.from.0, std::cmp::Reverse(run.first)))
}

/// Rounds for evidence: 6 decimal places.
pub fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}
