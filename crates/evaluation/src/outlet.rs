//! Source outlets: exceedance of the permit limits per Beijing hour and day
//! (`standards::emission::judge`), from stored HJ 212 hour data.
//!
//! Limits come from the store (`point_limit`), one per parameter code, as
//! `PermitLimit` JSON. Limits with hourly averaging are judged hour by hour on
//! the hour means; a day's result sums up its hours and merges consecutive
//! exceeding hours into episodes. Limits with daily averaging are judged on
//! the day's mean of the hour means, valid with at least 20 valid hours
//! (`aggregate` with `ValidityRule::MinCount(20)`, as GB 18484-2020 3.19;
//! a project convention for other sectors until the permit says otherwise),
//! unless the device sent the day's value itself as day data (CN 2031):
//! that value is judged then (`"source": "day_data"`), as the device's
//! daily statistic is what the permit's daily limit applies to.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use model::{BeijingTime, DataKind, Instant, PointId};
use serde_json::{Map, Value, json};
use standards::emission::{
    Averaging, DataFlag, JudgeOptions, Outcome, PermitLimit, Reading, ValidityRule, aggregate,
    judge,
};
use standards::water::Decimal;
use store::{DerivedKind, DerivedResult, ReadingQuery, Store};

use crate::Result;

/// HJ 212-2017 code of the flue gas O₂ content (%), used for conversion to reference oxygen.
const OXYGEN_CODE: &str = "a19001";

/// Valid hour means a daily mean needs (GB 18484-2020 3.19).
const DAY_MIN_HOURS: usize = 20;

/// The edition recorded on exceedance results: the point's permit.
const EDITION: &str = "permit";

/// Recomputes one outlet's hourly and daily exceedance on one Beijing day.
/// Returns nothing when the outlet has no usable limits or no hour data that day.
pub(crate) fn derive_day(
    store: &dyn Store,
    point: PointId,
    date: NaiveDate,
    now: Instant,
) -> Result<Vec<DerivedResult>> {
    let mut limits: Vec<(String, PermitLimit)> = Vec::new();
    let mut unusable: Vec<(String, String)> = Vec::new();
    for stored in store.point_limits(point)? {
        match serde_json::from_value::<PermitLimit>(stored.limit) {
            Ok(limit) => limits.push((stored.param, limit)),
            Err(error) => unusable.push((stored.param, error.to_string())),
        }
    }
    if limits.is_empty() && unusable.is_empty() {
        return Ok(Vec::new());
    }
    let Some(midnight) = date.and_hms_opt(0, 0, 0) else { return Ok(Vec::new()) };
    let from = BeijingTime(midnight).to_instant();
    let to = Instant(from.0 + Duration::days(1));
    let query = |kind, limit| ReadingQuery { point, kind, params: Vec::new(), from, to, limit };
    let readings = store.readings(&query(DataKind::Hour, 24 * 256))?;
    let day_data = store.readings(&query(DataKind::Day, 256))?;
    if readings.is_empty() && day_data.is_empty() {
        return Ok(Vec::new());
    }
    let oxygen: BTreeMap<NaiveDateTime, Decimal> = readings
        .iter()
        .filter(|reading| reading.key.param.as_str() == OXYGEN_CODE)
        .filter_map(|reading| {
            let value = reading.values.representative(DataKind::Hour)?;
            Some((reading.key.data_time.to_beijing().0, Decimal::from_f64(value)?))
        })
        .collect();

    let options = JudgeOptions::default();
    let mut daily = Map::new();
    let mut hourly: BTreeMap<NaiveDateTime, Map<String, Value>> = BTreeMap::new();
    for (param, limit) in &limits {
        if limit.averaging == Averaging::Day
            && let Some(day) = day_data.iter().find(|reading| reading.key.param.as_str() == param)
        {
            let day_reading = Reading {
                start_beijing: midnight,
                value: day.values.representative(DataKind::Day).and_then(Decimal::from_f64),
                o2_pct: day_data
                    .iter()
                    .find(|reading| reading.key.param.as_str() == OXYGEN_CODE)
                    .and_then(|oxygen| oxygen.values.representative(DataKind::Day))
                    .and_then(Decimal::from_f64),
                flag: DataFlag::parse(day.values.flag.as_deref().unwrap_or("N")),
            };
            let value = day.values.representative(DataKind::Day);
            let detail = json!({ "source": "day_data", "daily_value": value });
            daily.insert(param.clone(), judge_day(day_reading, limit, &options, detail));
            continue;
        }
        let hours: Vec<Reading> = readings
            .iter()
            .filter(|reading| reading.key.param.as_str() == param)
            .map(|reading| {
                let start = reading.key.data_time.to_beijing().0;
                Reading {
                    start_beijing: start,
                    value: reading
                        .values
                        .representative(DataKind::Hour)
                        .and_then(Decimal::from_f64),
                    o2_pct: oxygen.get(&start).copied(),
                    flag: DataFlag::parse(reading.values.flag.as_deref().unwrap_or("N")),
                }
            })
            .collect();
        if hours.is_empty() {
            continue;
        }
        if limit.averaging == Averaging::Day {
            let mean = aggregate(&hours, 24, ValidityRule::MinCount(DAY_MIN_HOURS), &options.flags);
            let day_reading = Reading {
                start_beijing: midnight,
                value: mean.mean,
                o2_pct: mean.mean_o2_pct,
                flag: mean.flag.clone(),
            };
            let detail = json!({
                "source": "hour_means",
                "daily_mean": mean.mean,
                "n_valid_hours": mean.n_valid,
                "n_required_hours": DAY_MIN_HOURS,
                "valid": mean.valid,
            });
            daily.insert(param.clone(), judge_day(day_reading, limit, &options, detail));
            continue;
        }
        let report = judge(&hours, limit, &options);
        for period in &report.periods {
            hourly
                .entry(period.start_beijing)
                .or_default()
                .insert(param.clone(), outcome_json(&period.outcome, limit));
        }
        daily.insert(
            param.clone(),
            json!({
                "pollutant": limit.pollutant,
                "limit": limit,
                "judged": true,
                "n_valid": report.n_valid,
                "n_excluded": report.n_excluded,
                "n_exceeding": report.n_exceeding,
                "exceeds": report.n_exceeding > 0,
                "episodes": report.episodes,
            }),
        );
    }
    for (param, error) in unusable {
        daily.insert(
            param,
            json!({ "judged": false, "reason": "unreadable_limit", "error": error }),
        );
    }

    let label = |time: NaiveDateTime| time.format("%Y-%m-%dT%H:%M").to_string();
    let mut results = Vec::with_capacity(hourly.len() + 1);
    let day_exceeds = daily.values().any(|entry| entry["exceeds"] == true);
    let n_exceeding_hours = hourly
        .values()
        .filter(|params| params.values().any(|outcome| outcome["exceeds"] == true))
        .count();
    results.push(DerivedResult {
        kind: DerivedKind::OutletDaily,
        point,
        start: from,
        period: date.to_string(),
        edition: EDITION.to_owned(),
        detail: json!({
            "date": date.to_string(),
            "hour_label": "period_start",
            "exceeds": day_exceeds,
            "n_exceeding_hours": n_exceeding_hours,
            "params": daily,
            "edition": EDITION,
        }),
        computed_at: now,
    });
    for (start, params) in hourly {
        let exceeds = params.values().any(|outcome| outcome["exceeds"] == true);
        results.push(DerivedResult {
            kind: DerivedKind::OutletHourly,
            point,
            start: BeijingTime(start).to_instant(),
            period: label(start),
            edition: EDITION.to_owned(),
            detail: json!({
                "hour": label(start),
                "hour_label": "period_start",
                "exceeds": exceeds,
                "params": params,
                "edition": EDITION,
            }),
            computed_at: now,
        });
    }
    Ok(results)
}

/// Judges one day's value against a daily limit: `detail` (an object saying
/// where the value came from) with the limit, the outcome and the verdict.
fn judge_day(day: Reading, limit: &PermitLimit, options: &JudgeOptions, detail: Value) -> Value {
    let report = judge(&[day], limit, options);
    let outcome =
        report.periods.first().map_or(Value::Null, |period| outcome_json(&period.outcome, limit));
    let mut entry = match detail {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    entry.insert("pollutant".to_owned(), json!(limit.pollutant));
    entry.insert("limit".to_owned(), json!(limit));
    entry.insert("judged".to_owned(), json!(true));
    entry.insert("outcome".to_owned(), outcome);
    entry.insert("exceeds".to_owned(), json!(report.n_exceeding > 0));
    Value::Object(entry)
}

fn outcome_json(outcome: &Outcome, limit: &PermitLimit) -> Value {
    match outcome {
        Outcome::Meets { concentration } => json!({
            "exceeds": false,
            "concentration": concentration,
            "unit": limit.unit,
        }),
        Outcome::Exceeds { concentration, multiple } => json!({
            "exceeds": true,
            "concentration": concentration,
            "multiple": multiple,
            "unit": limit.unit,
        }),
        Outcome::Excluded(exclusion) => json!({
            "exceeds": Value::Null,
            "excluded": exclusion.reason(),
        }),
    }
}
