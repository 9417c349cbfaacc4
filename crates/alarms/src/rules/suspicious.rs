//! Suspicious data, the patterns inspectors look for. Each rule examines one
//! parameter's readings (sorted by data time) within one Beijing day (the
//! window, so a re-examined day is one occurrence, refreshed or cleared) and
//! reports the worst stretch with its values.

use model::alarm::{Rule, Severity};
use model::{Instant, PointId, Reading};
use serde_json::json;
use standards::emission::{Conversion, LimitBound, converted_concentration};
use standards::water::Decimal;

use super::availability::max_gap;
use super::exceedance::Limit;
use super::{Judged, key, longest, round6, runs, value};
use crate::config::RuleConfig;

fn minutes(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// [`Rule::ConstantValue`]: the longest stretch of identical values, if it
/// lasts at least the configured minutes.
pub fn constant_value(
    point: PointId,
    param: &str,
    readings: &[Reading],
    day: (Instant, Instant),
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    if readings.is_empty() {
        return judged;
    }
    // A run of "same as the previous value": the run's first reading starts the constant stretch.
    let same = |index: usize| {
        index > 0
            && matches!((value(&readings[index - 1]), value(&readings[index])),
                (Some(a), Some(b)) if a == b)
    };
    let stretches: Vec<super::Run> = runs(readings, max_gap(readings), |index| {
        same(index) || (index + 1 < readings.len() && same(index + 1))
    });
    let verdict = longest(&stretches)
        .filter(|run| run.minutes() >= minutes(config.constant_min_mins))
        .map(|run| {
            (
                Severity::Warning,
                json!({
                    "value": value(&readings[run.first]),
                    "from": run.from,
                    "to": run.to,
                    "minutes": run.minutes(),
                    "n_values": run.len(),
                    "min_minutes": config.constant_min_mins,
                }),
            )
        });
    judged.window(key(point, Rule::ConstantValue, param), day, verdict);
    judged
}

/// [`Rule::NearLimit`]: the longest stretch of values at or just below the
/// limit (between the configured share of it and the limit), if it lasts at
/// least the configured minutes. Only for maximum limits on measured values.
pub fn near_limit(
    point: PointId,
    limit: &Limit,
    readings: &[Reading],
    day: (Instant, Instant),
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let LimitBound::Max(bound) = limit.limit.bound else { return judged };
    if readings.is_empty() {
        return judged;
    }
    let bound = bound.to_f64();
    let low = bound * f64::from(config.near_limit_low_percent) / 100.0;
    let stretches = runs(readings, max_gap(readings), |index| {
        // The value judged: converted if the device sent it and the limit is on converted values.
        let reading = &readings[index];
        let judged_value = match limit.limit.conversion {
            Conversion::ReferenceOxygen { .. } => reading.values.zs_avg.or(reading.values.zs_rtd),
            Conversion::Measured => None,
        }
        .or_else(|| value(reading));
        judged_value.is_some_and(|v| v >= low && v <= bound)
    });
    let verdict = longest(&stretches)
        .filter(|run| run.minutes() >= minutes(config.near_limit_min_mins))
        .map(|run| {
            let values: Vec<f64> =
                readings[run.first..=run.last].iter().filter_map(value).collect();
            let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
            (
                Severity::Warning,
                json!({
                    "limit": bound,
                    "unit": limit.limit.unit,
                    "low": round6(low),
                    "mean": round6(mean),
                    "from": run.from,
                    "to": run.to,
                    "minutes": run.minutes(),
                    "n_values": run.len(),
                    "min_minutes": config.near_limit_min_mins,
                }),
            )
        });
    judged.window(key(point, Rule::NearLimit, &limit.param), day, verdict);
    judged
}

/// [`Rule::DropWithFlow`]: a concentration falling to at most the configured
/// share of the mean of the values before it (itself at least the baseline
/// minimum) while the flow at that time stays at least the configured share
/// of its own mean before it. The first such value of the day is the evidence.
pub fn drop_with_flow(
    point: PointId,
    param: &str,
    readings: &[Reading],
    flow: &[Reading],
    day: (Instant, Instant),
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let n = config.drop_baseline_count.max(1);
    if readings.len() <= n || flow.is_empty() {
        return judged;
    }
    let flow_at = |time: Instant| flow.iter().position(|reading| reading.key.data_time == time);
    let mean = |series: &[Reading]| -> Option<f64> {
        let values: Vec<f64> = series.iter().filter_map(value).collect();
        (values.len() == series.len()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let mut found = None;
    for index in n..readings.len() {
        let Some(current) = value(&readings[index]) else { continue };
        let Some(baseline) = mean(&readings[index - n..index]) else { continue };
        if baseline < config.drop_min_baseline
            || current > baseline * f64::from(config.drop_to_percent) / 100.0
        {
            continue;
        }
        let Some(flow_index) = flow_at(readings[index].key.data_time) else { continue };
        let Some(flow_now) = value(&flow[flow_index]) else { continue };
        let Some(flow_baseline) =
            flow_index.checked_sub(n).and_then(|from| mean(&flow[from..flow_index]))
        else {
            continue;
        };
        if flow_now > 0.0
            && flow_now >= flow_baseline * f64::from(config.drop_flow_min_percent) / 100.0
        {
            found = Some((
                index,
                current,
                baseline,
                flow_now,
                flow_baseline,
                flow[flow_index].key.param.to_string(),
            ));
            break;
        }
    }
    let verdict = found.map(|(index, current, baseline, flow_now, flow_baseline, flow_param)| {
        (
            Severity::Warning,
            json!({
                "data_time": readings[index].key.data_time,
                "value": current,
                "baseline_mean": round6(baseline),
                "flow_param": flow_param,
                "flow": flow_now,
                "flow_baseline_mean": round6(flow_baseline),
                "drop_to_percent": config.drop_to_percent,
            }),
        )
    });
    judged.window(key(point, Rule::DropWithFlow, param), day, verdict);
    judged
}

/// [`Rule::ZeroOrNegative`]: the longest stretch of zero or negative values
/// of a pollutant, if at least the configured count of values long.
pub fn zero_or_negative(
    point: PointId,
    param: &str,
    readings: &[Reading],
    day: (Instant, Instant),
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    if readings.is_empty() {
        return judged;
    }
    let stretches = runs(readings, max_gap(readings), |index| {
        value(&readings[index]).is_some_and(|v| v <= 0.0)
    });
    let verdict = stretches
        .iter()
        .copied()
        .filter(|run| run.len() >= config.zero_min_count.max(1))
        .max_by_key(super::Run::len)
        .map(|run| {
            let values: Vec<Option<f64>> =
                readings[run.first..=run.last].iter().map(value).take(20).collect();
            (
                Severity::Warning,
                json!({
                    "from": run.from,
                    "to": run.to,
                    "n_values": run.len(),
                    "values": values,
                    "min_count": config.zero_min_count,
                }),
            )
        });
    judged.window(key(point, Rule::ZeroOrNegative, param), day, verdict);
    judged
}

/// [`Rule::ConversionMismatch`]: readings whose converted concentration
/// (`ZsAvg`/`ZsRtd`) differs from the one computed from the measured value and
/// the O₂ at the same time (`standards::emission::converted_concentration`)
/// by more than the tolerance. Only for limits on converted values.
pub fn conversion_mismatch(
    point: PointId,
    limit: &Limit,
    readings: &[Reading],
    oxygen: &std::collections::BTreeMap<Instant, Decimal>,
    day: (Instant, Instant),
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let Conversion::ReferenceOxygen { reference_o2_pct, air_o2_pct } = limit.limit.conversion
    else {
        return judged;
    };
    let mut n_checked = 0usize;
    let mut worst: Option<(Instant, f64, f64, f64, f64)> = None;
    for reading in readings {
        let sent = match reading.key.kind {
            model::DataKind::Realtime => reading.values.zs_rtd,
            _ => reading.values.zs_avg,
        };
        let (Some(sent), Some(measured), Some(o2)) =
            (sent, value(reading).and_then(Decimal::from_f64), oxygen.get(&reading.key.data_time))
        else {
            continue;
        };
        let Some(expected) = converted_concentration(measured, *o2, reference_o2_pct, air_o2_pct)
        else {
            continue;
        };
        n_checked += 1;
        let expected = expected.to_f64();
        let deviation = if expected == 0.0 {
            sent.abs() * 100.0
        } else {
            (sent - expected).abs() / expected * 100.0
        };
        if deviation > f64::from(config.conversion_tolerance_percent)
            && worst.is_none_or(|(_, _, _, _, worst)| deviation > worst)
        {
            worst = Some((reading.key.data_time, measured.to_f64(), o2.to_f64(), sent, deviation));
        }
    }
    if n_checked == 0 {
        return judged;
    }
    let verdict = worst.map(|(time, measured, o2, sent, deviation)| {
        let expected = converted_concentration(
            Decimal::from_f64(measured).unwrap_or_default(),
            Decimal::from_f64(o2).unwrap_or_default(),
            reference_o2_pct,
            air_o2_pct,
        );
        (
            Severity::Warning,
            json!({
                "data_time": time,
                "measured": measured,
                "o2_pct": o2,
                "reference_o2_pct": reference_o2_pct,
                "converted_sent": sent,
                "converted_expected": expected,
                "deviation_percent": round6(deviation),
                "tolerance_percent": config.conversion_tolerance_percent,
            }),
        )
    });
    judged.window(key(point, Rule::ConversionMismatch, &limit.param), day, verdict);
    judged
}

/// [`Rule::HourMinuteMismatch`] for one hour reading and the minute readings
/// of the same parameter in that hour: the hour average further than the
/// tolerance from the mean of the minute averages. Judged only with enough minutes.
pub fn hour_minute_mismatch(
    point: PointId,
    hour: &Reading,
    minutes_of_hour: &[Reading],
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    let values: Vec<f64> = minutes_of_hour.iter().filter_map(value).collect();
    let Some(hour_value) = value(hour) else { return judged };
    if values.len() < config.hour_minute_min_minutes.max(1) {
        return judged;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let deviation = if mean == 0.0 {
        if hour_value == 0.0 { 0.0 } else { 100.0 }
    } else {
        (hour_value - mean).abs() / mean.abs() * 100.0
    };
    let start = hour.key.data_time;
    let verdict = (deviation > f64::from(config.hour_minute_tolerance_percent)).then(|| {
        (
            Severity::Warning,
            json!({
                "hour": start,
                "hour_value": hour_value,
                "minute_mean": round6(mean),
                "n_minutes": values.len(),
                "deviation_percent": round6(deviation),
                "tolerance_percent": config.hour_minute_tolerance_percent,
            }),
        )
    });
    judged.window(
        key(point, Rule::HourMinuteMismatch, hour.key.param.as_str()),
        (start, super::plus_ms(start, 3_600_000)),
        verdict,
    );
    judged
}

/// [`Rule::CumulativeBackwards`]: a running total (`Cou`) lower than the one
/// before it. The first such step of the day is the evidence.
pub fn cumulative_backwards(
    point: PointId,
    param: &str,
    readings: &[Reading],
    day: (Instant, Instant),
) -> Judged {
    let mut judged = Judged::default();
    let totals: Vec<(Instant, f64)> = readings
        .iter()
        .filter_map(|reading| Some((reading.key.data_time, reading.values.cou?)))
        .collect();
    if totals.len() < 2 {
        return judged;
    }
    let verdict = totals.windows(2).find(|pair| pair[1].1 < pair[0].1).map(|pair| {
        (
            Severity::Warning,
            json!({
                "before_time": pair[0].0,
                "before": pair[0].1,
                "after_time": pair[1].0,
                "after": pair[1].1,
            }),
        )
    });
    judged.window(key(point, Rule::CumulativeBackwards, param), day, verdict);
    judged
}
