//! Device and data availability: a device offline ([`Rule::DeviceOffline`]),
//! a day with missing periods ([`Rule::DataMissing`]), a device clock off
//! ([`Rule::ClockDrift`]), and abnormal flags lasting too long
//! ([`Rule::AbnormalFlag`]).

use model::alarm::{Rule, Severity};
use model::{DataKind, Instant, PointId, Reading};
use serde_json::json;

use super::{Judged, key, longest, period_ms, plus_ms, runs};
use crate::config::RuleConfig;

/// [`Rule::DeviceOffline`]: no packet from device `mn` since `last_seen` for
/// longer than the configured minutes at `now`. The window starts at the last
/// packet, so one outage is one occurrence however often it is checked; a
/// device seen again clears it. A device never seen says nothing.
pub fn device_offline(
    point: PointId,
    mn: &str,
    last_seen: Option<Instant>,
    now: Instant,
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let Some(last_seen) = last_seen else { return judged };
    let the_key = key(point, Rule::DeviceOffline, mn);
    let silent_mins = (now.0 - last_seen.0).num_minutes();
    if silent_mins >= i64::try_from(config.offline_after_mins).unwrap_or(i64::MAX) {
        judged.hold(
            the_key,
            Severity::Warning,
            (last_seen, now),
            json!({
                "mn": mn,
                "last_seen": last_seen,
                "silent_minutes": silent_mins,
                "offline_after_minutes": config.offline_after_mins,
            }),
        );
    } else {
        judged.cleared.push(store::Cleared { key: the_key, within: None });
    }
    judged
}

/// [`Rule::DataMissing`] for one point, data kind and Beijing day starting at
/// `day_start`: fewer distinct periods than the configured share of the
/// expected count. Only judged once the day is over at `now`; late data that
/// completes the day clears it.
pub fn data_missing(
    point: PointId,
    kind: DataKind,
    day_start: Instant,
    readings: &[Reading],
    now: Instant,
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let expected = match kind {
        DataKind::Minute => config.expected_minutes_per_day,
        DataKind::Hour => config.expected_hours_per_day,
        _ => 0,
    };
    let day_end = plus_ms(day_start, period_ms(DataKind::Day));
    if expected == 0 || now < day_end {
        return judged;
    }
    let mut times: Vec<Instant> = readings
        .iter()
        .filter(|reading| {
            reading.key.kind == kind
                && reading.key.data_time >= day_start
                && reading.key.data_time < day_end
        })
        .map(|reading| reading.key.data_time)
        .collect();
    times.sort();
    times.dedup();
    let n_present = u32::try_from(times.len()).unwrap_or(u32::MAX);
    let complete = u64::from(n_present) * 100
        >= u64::from(expected) * u64::from(config.min_completeness_percent);
    let verdict = (!complete).then(|| {
        (
            Severity::Warning,
            json!({
                "data_kind": kind.as_str(),
                "date": day_start.to_beijing().date().to_string(),
                "n_present": n_present,
                "n_expected": expected,
                "completeness_percent": super::round6(f64::from(n_present) * 100.0 / f64::from(expected)),
                "min_percent": config.min_completeness_percent,
            }),
        )
    });
    judged.window(key(point, Rule::DataMissing, kind.as_str()), (day_start, day_end), verdict);
    judged
}

/// [`Rule::ClockDrift`]: the newest realtime data time of a point compared
/// with when that packet arrived (`received_at`). Realtime data is stamped
/// when it is sent, so a difference beyond the allowed seconds is the
/// device's clock. The window is the Beijing hour of arrival.
pub fn clock_drift(
    point: PointId,
    newest_realtime: Option<Instant>,
    received_at: Instant,
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let Some(data_time) = newest_realtime else { return judged };
    let drift_secs = (data_time.0 - received_at.0).num_seconds();
    let hour = model::time::beijing_hour_start(received_at);
    let verdict = (drift_secs.unsigned_abs() > config.max_clock_drift_secs).then(|| {
        (
            Severity::Info,
            json!({
                "data_time": data_time,
                "received_at": received_at,
                "drift_seconds": drift_secs,
                "max_drift_seconds": config.max_clock_drift_secs,
            }),
        )
    });
    judged.window(key(point, Rule::ClockDrift, ""), (hour, plus_ms(hour, 3_600_000)), verdict);
    judged
}

/// [`Rule::AbnormalFlag`] over one parameter's readings (sorted) within the
/// window `day`: the longest stretch flagged with one of the configured flags
/// lasting longer than allowed. One window per day; a day re-examined without
/// such a stretch clears.
pub fn abnormal_flag(
    point: PointId,
    param: &str,
    readings: &[Reading],
    day: (Instant, Instant),
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let flag_of = |index: usize| -> Option<String> {
        let flag = readings[index].values.flag.as_deref()?.to_ascii_uppercase();
        config
            .abnormal_flags
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(&flag))
            .then_some(flag)
    };
    let mut best = None;
    for flag in &config.abnormal_flags {
        let found = runs(readings, max_gap(readings), |index| {
            flag_of(index).is_some_and(|found| found.eq_ignore_ascii_case(flag))
        });
        let Some(run) = longest(&found) else { continue };
        if best
            .as_ref()
            .is_none_or(|(_, best_run): &(String, super::Run)| run.minutes() > best_run.minutes())
        {
            best = Some((flag.clone(), run));
        }
    }
    let limit = i64::try_from(config.abnormal_flag_max_mins).unwrap_or(i64::MAX);
    let verdict = best.filter(|(_, run)| run.minutes() > limit).map(|(flag, run)| {
        (
            Severity::Warning,
            json!({
                "flag": flag,
                "from": run.from,
                "to": run.to,
                "minutes": run.minutes(),
                "n_values": run.len(),
                "max_minutes": config.abnormal_flag_max_mins,
            }),
        )
    });
    judged.window(key(point, Rule::AbnormalFlag, param), day, verdict);
    judged
}

/// The longest gap that keeps readings of this series consecutive: twice their period.
pub(crate) fn max_gap(readings: &[Reading]) -> i64 {
    readings.first().map_or(120_000, |reading| 2 * period_ms(reading.key.kind))
}
