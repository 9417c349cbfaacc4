//! Permit limits: realtime and minute values crossing the limit as they
//! arrive ([`Rule::LimitCrossing`]) and the standards engine's hourly or daily
//! judgement ([`Rule::Exceedance`], `standards::emission::judge`) with the
//! multiple and the duration of the episode.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use model::alarm::{Rule, Severity};
use model::{BeijingTime, DataKind, Instant, PointId, Reading};
use serde_json::json;
use standards::emission::{
    Averaging, DataFlag, JudgeOptions, Outcome, PermitLimit, ValidityRule, aggregate, judge,
    judge_period,
};
use standards::water::Decimal;

use super::{Judged, key, period_ms, plus_ms, value};
use crate::config::RuleConfig;

/// HJ 212-2017 code of the flue gas O₂ content (%), for conversion to reference oxygen.
pub const OXYGEN_CODE: &str = "a19001";

/// Valid hours a daily mean needs (GB 18484-2020 3.19; as the evaluator).
const DAY_MIN_HOURS: usize = 20;

/// A point's limit for one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The HJ 212 parameter code.
    pub param: String,
    /// The permit limit.
    pub limit: PermitLimit,
}

/// The O₂ readings of a series by data time, for converted concentrations.
pub fn oxygen_by_time(readings: &[Reading]) -> BTreeMap<Instant, Decimal> {
    readings
        .iter()
        .filter(|reading| reading.key.param.as_str() == OXYGEN_CODE)
        .filter_map(|reading| Some((reading.key.data_time, Decimal::from_f64(value(reading)?)?)))
        .collect()
}

fn standards_reading(
    reading: &Reading,
    oxygen: &BTreeMap<Instant, Decimal>,
) -> standards::emission::Reading {
    standards::emission::Reading {
        start_beijing: reading.key.data_time.to_beijing().0,
        value: value(reading).and_then(Decimal::from_f64),
        o2_pct: oxygen.get(&reading.key.data_time).copied(),
        flag: DataFlag::parse(reading.values.flag.as_deref().unwrap_or("N")),
    }
}

fn severity(multiple: Option<Decimal>, config: &RuleConfig) -> Severity {
    match multiple {
        Some(multiple) if multiple.to_f64() >= config.critical_multiple => Severity::Critical,
        _ => Severity::Warning,
    }
}

/// [`Rule::LimitCrossing`]: each realtime or minute value of `limit.param` in
/// `readings` whose judged concentration is above the limit. Values within
/// the limit clear their own minute. Excluded values (flags, missing O₂) say nothing.
pub fn limit_crossing(
    point: PointId,
    limit: &Limit,
    readings: &[Reading],
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let oxygen = oxygen_by_time(readings);
    let options = JudgeOptions::default();
    for reading in readings.iter().filter(|reading| {
        reading.key.param.as_str() == limit.param
            && matches!(reading.key.kind, DataKind::Realtime | DataKind::Minute)
    }) {
        let time = reading.key.data_time;
        let window = (time, plus_ms(time, period_ms(reading.key.kind)));
        let the_key = key(point, Rule::LimitCrossing, &limit.param);
        match judge_period(&standards_reading(reading, &oxygen), &limit.limit, &options) {
            Outcome::Exceeds { concentration, multiple } => judged.hold(
                the_key,
                severity(multiple, config),
                window,
                json!({
                    "data_kind": reading.key.kind.as_str(),
                    "data_time": time,
                    "value": value(reading),
                    "concentration": concentration,
                    "multiple": multiple,
                    "limit": limit.limit.bound,
                    "unit": limit.limit.unit,
                    "averaging": limit.limit.averaging,
                }),
            ),
            Outcome::Meets { .. } => judged.clear(the_key, window.0, plus_ms(window.0, 1)),
            Outcome::Excluded(_) => {}
        }
    }
    judged
}

/// [`Rule::Exceedance`] over one Beijing day of hour readings (`hours`, all
/// parameters of the point, from `day_start` for 24 hours): hourly limits
/// judged hour by hour (each exceeding hour a window, with the multiple and
/// the duration of its episode so far), daily limits on the day's mean of at
/// least 20 valid hours (one window, the day). Judged periods within the limit clear.
pub fn exceedance_day(
    point: PointId,
    limit: &Limit,
    day_start: Instant,
    hours: &[Reading],
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let oxygen = oxygen_by_time(hours);
    let series: Vec<standards::emission::Reading> = hours
        .iter()
        .filter(|reading| {
            reading.key.param.as_str() == limit.param && reading.key.kind == DataKind::Hour
        })
        .map(|reading| standards_reading(reading, &oxygen))
        .collect();
    if series.is_empty() {
        return judged;
    }
    let options = JudgeOptions::default();
    let the_key = key(point, Rule::Exceedance, &limit.param);
    let evidence_base = |concentration, multiple, hours: i64| {
        json!({
            "pollutant": limit.limit.pollutant,
            "concentration": concentration,
            "multiple": multiple,
            "limit": limit.limit.bound,
            "unit": limit.limit.unit,
            "averaging": limit.limit.averaging,
            "conversion": limit.limit.conversion,
            "duration_hours": hours,
        })
    };
    if limit.limit.averaging == Averaging::Day {
        let midnight = day_start.to_beijing().0;
        let mean = aggregate(&series, 24, ValidityRule::MinCount(DAY_MIN_HOURS), &options.flags);
        let day = standards::emission::Reading {
            start_beijing: midnight,
            value: mean.mean,
            o2_pct: mean.mean_o2_pct,
            flag: mean.flag.clone(),
        };
        let window = (day_start, plus_ms(day_start, period_ms(DataKind::Day)));
        match judge_period(&day, &limit.limit, &options) {
            Outcome::Exceeds { concentration, multiple } => {
                let mut evidence = evidence_base(concentration, multiple, 24);
                evidence["n_valid_hours"] = json!(mean.n_valid);
                judged.hold(the_key, severity(multiple, config), window, evidence);
            }
            Outcome::Meets { .. } => judged.clear(the_key, window.0, plus_ms(window.0, 1)),
            Outcome::Excluded(_) => {}
        }
        return judged;
    }
    let report = judge(&series, &limit.limit, &options);
    for period in &report.periods {
        let start = BeijingTime(period.start_beijing).to_instant();
        let window = (start, plus_ms(start, period_ms(DataKind::Hour)));
        match period.outcome {
            Outcome::Exceeds { concentration, multiple } => {
                let episode = report.episodes.iter().find(|episode| {
                    episode.start_beijing <= period.start_beijing
                        && period.start_beijing < episode.end_beijing
                });
                let hours = episode.map_or(1, |episode| {
                    hours_between(episode.start_beijing, period.start_beijing) + 1
                });
                let mut evidence = evidence_base(concentration, multiple, hours);
                evidence["hour"] = json!(period.start_beijing.format("%Y-%m-%dT%H:%M").to_string());
                evidence["hour_label"] = json!("period_start");
                if let Some(episode) = episode {
                    evidence["episode_from"] =
                        json!(BeijingTime(episode.start_beijing).to_instant());
                    evidence["episode_max_multiple"] = json!(episode.max_multiple);
                }
                judged.hold(the_key.clone(), severity(multiple, config), window, evidence);
            }
            Outcome::Meets { .. } => judged.clear(the_key.clone(), window.0, plus_ms(window.0, 1)),
            Outcome::Excluded(_) => {}
        }
    }
    judged
}

fn hours_between(from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    (to - from).num_hours()
}
