//! Each rule fires on a crafted series and stays silent on a clean one.

use chrono::NaiveDate;
use model::alarm::{Rule, Severity};
use model::{
    BeijingTime, DataKind, Instant, ParamCode, PointId, Reading, ReadingKey, ReadingValues,
};
use serde_json::json;
use standards::emission::{Averaging, Conversion, LimitBound, PermitLimit};
use standards::water::{Decimal, WaterClass};
use store::{DerivedKind, DerivedResult};

use super::exceedance::{Limit, limit_crossing};
use super::{Judged, ambient, availability, exceedance, suspicious};
use crate::config::RuleConfig;
use crate::site::SiteContext;

const POINT: PointId = PointId(1);

/// Beijing 2026-11-20 00:00 plus `minutes`.
fn t(minutes: i64) -> Instant {
    let midnight = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(0, 0, 0).unwrap();
    BeijingTime(midnight + chrono::Duration::minutes(minutes)).to_instant()
}

fn day() -> (Instant, Instant) {
    (t(0), t(24 * 60))
}

fn reading(param: &str, kind: DataKind, minute: i64, value: f64) -> Reading {
    Reading {
        key: ReadingKey {
            point: POINT,
            param: ParamCode::parse(param).unwrap(),
            kind,
            data_time: t(minute),
        },
        values: ReadingValues {
            avg: Some(value),
            rtd: Some(value),
            flag: Some("N".to_owned()),
            ..ReadingValues::default()
        },
    }
}

/// One reading per `step` minutes from `first`, with the given values.
fn series(param: &str, kind: DataKind, first: i64, step: i64, values: &[f64]) -> Vec<Reading> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| reading(param, kind, first + i as i64 * step, v))
        .collect()
}

fn minutes(param: &str, n: usize, value: impl Fn(usize) -> f64) -> Vec<Reading> {
    (0..n).map(|i| reading(param, DataKind::Minute, i as i64, value(i))).collect()
}

fn so2_limit(bound: f64, averaging: Averaging, conversion: Conversion) -> Limit {
    Limit {
        param: "a21026".to_owned(),
        limit: PermitLimit {
            pollutant: "SO2".to_owned(),
            bound: LimitBound::Max(Decimal::from_f64(bound).unwrap()),
            unit: "mg/m3".to_owned(),
            averaging,
            conversion,
        },
    }
}

fn measured(bound: f64) -> Limit {
    so2_limit(bound, Averaging::Hour, Conversion::Measured)
}

/// The (rule, pollutant, window start) of every finding, and the number of cleared windows.
fn check(judged: &Judged, findings: &[(Rule, &str, Instant)], n_cleared: usize) {
    let found: Vec<(Rule, &str, Instant)> = judged
        .findings
        .iter()
        .map(|finding| (finding.key.rule, finding.key.pollutant.as_str(), finding.window_from))
        .collect();
    assert_eq!(found, findings, "findings: {:#?}", judged.findings);
    assert_eq!(judged.cleared.len(), n_cleared, "cleared: {:#?}", judged.cleared);
}

#[test]
fn limit_crossing_judges_each_value_and_its_conversion() {
    let config = RuleConfig::default();
    let values = series("a21026", DataKind::Minute, 0, 1, &[30.0, 35.0, 36.0, 80.0]);
    let judged = limit_crossing(POINT, &measured(35.0), &values, &config);
    check(
        &judged,
        &[(Rule::LimitCrossing, "a21026", t(2)), (Rule::LimitCrossing, "a21026", t(3))],
        2,
    );
    assert_eq!(judged.findings[0].severity, Severity::Warning);
    assert_eq!(judged.findings[1].severity, Severity::Critical, "80 is more than twice 35");
    assert_eq!(judged.findings[1].evidence["concentration"], json!("80"));
    assert_eq!(judged.findings[1].window_to, t(4));

    // Converted to 6 % O2: 30 measured at 12 % O2 is 30 × 15 / 9 = 50 > 35.
    let converted = so2_limit(
        35.0,
        Averaging::Hour,
        Conversion::ReferenceOxygen {
            reference_o2_pct: Decimal::from_f64(6.0).unwrap(),
            air_o2_pct: Decimal::from_f64(21.0).unwrap(),
        },
    );
    let mut with_oxygen = series("a21026", DataKind::Minute, 0, 1, &[30.0]);
    with_oxygen.push(reading("a19001", DataKind::Minute, 0, 12.0));
    check(
        &limit_crossing(POINT, &converted, &with_oxygen, &config),
        &[(Rule::LimitCrossing, "a21026", t(0))],
        0,
    );
    // Without O2 the value cannot be judged: silent, not cleared.
    check(&limit_crossing(POINT, &converted, &with_oxygen[..1], &config), &[], 0);
}

#[test]
fn hourly_exceedance_reports_multiple_and_duration_and_clears_clean_hours() {
    let config = RuleConfig::default();
    let mut values = vec![20.0; 24];
    values[21] = 40.0;
    values[22] = 50.0;
    values[23] = 80.0;
    let hours = series("a21026", DataKind::Hour, 0, 60, &values);
    let judged = exceedance::exceedance_day(POINT, &measured(35.0), t(0), &hours, &config);
    check(
        &judged,
        &[
            (Rule::Exceedance, "a21026", t(21 * 60)),
            (Rule::Exceedance, "a21026", t(22 * 60)),
            (Rule::Exceedance, "a21026", t(23 * 60)),
        ],
        21,
    );
    let durations: Vec<_> =
        judged.findings.iter().map(|f| f.evidence["duration_hours"].clone()).collect();
    assert_eq!(durations, [json!(1), json!(2), json!(3)]);
    assert_eq!(judged.findings[2].evidence["hour"], json!("2026-11-20T23:00"));
    assert_eq!(judged.findings[2].severity, Severity::Critical);
    let clean = series("a21026", DataKind::Hour, 0, 60, &[20.0; 24]);
    check(&exceedance::exceedance_day(POINT, &measured(35.0), t(0), &clean, &config), &[], 24);
}

#[test]
fn daily_exceedance_needs_twenty_valid_hours_and_late_hours_can_clear_it() {
    let config = RuleConfig::default();
    let limit = so2_limit(35.0, Averaging::Day, Conversion::Measured);
    let high = series("a21026", DataKind::Hour, 0, 60, &[40.0; 19]);
    check(&exceedance::exceedance_day(POINT, &limit, t(0), &high, &config), &[], 0);
    let twenty = series("a21026", DataKind::Hour, 0, 60, &[40.0; 20]);
    check(
        &exceedance::exceedance_day(POINT, &limit, t(0), &twenty, &config),
        &[(Rule::Exceedance, "a21026", t(0))],
        0,
    );
    // Four late hours bring the day's mean to (20 × 40 + 4 × 5) / 24 ≈ 34.2.
    let mut all = twenty;
    all.extend(series("a21026", DataKind::Hour, 20 * 60, 60, &[5.0; 4]));
    check(&exceedance::exceedance_day(POINT, &limit, t(0), &all, &config), &[], 1);
}

fn derived(kind: DerivedKind, start: Instant, detail: serde_json::Value) -> DerivedResult {
    DerivedResult {
        kind,
        point: POINT,
        start,
        period: "2026-11-20".to_owned(),
        edition: "test".to_owned(),
        detail,
        computed_at: start,
    }
}

#[test]
fn aqi_thresholds_give_the_severity() {
    let config = RuleConfig::default();
    let aqi = |value: u32| {
        ambient::aqi_high(&derived(DerivedKind::AirHourly, t(60), json!({ "aqi": value })), &config)
    };
    check(&aqi(100), &[], 1);
    for (value, severity) in
        [(101, Severity::Info), (201, Severity::Warning), (301, Severity::Critical)]
    {
        let judged = aqi(value);
        check(&judged, &[(Rule::AqiHigh, "", t(60))], 0);
        assert_eq!(judged.findings[0].severity, severity, "AQI {value}");
    }
    let no_aqi = derived(DerivedKind::AirHourly, t(60), json!({ "aqi": null }));
    check(&ambient::aqi_high(&no_aqi, &config), &[], 0);
}

#[test]
fn water_classes_against_target_and_drinking_source() {
    let class = |label: &str| derived(DerivedKind::WaterDaily, t(0), json!({ "class": label }));
    let site = SiteContext {
        target_class: Some(WaterClass::III),
        drinking_water_source: true,
        ..SiteContext::default()
    };
    let judged = ambient::water_targets(&class("IV"), &site);
    check(
        &judged,
        &[(Rule::WaterBelowTarget, "", t(0)), (Rule::DrinkingWaterBelowIii, "", t(0))],
        0,
    );
    assert_eq!(judged.findings[1].severity, Severity::Critical);
    assert_eq!(judged.findings[0].evidence["target"], json!("III"));
    check(&ambient::water_targets(&class("III"), &site), &[], 2);
    let target_ii = SiteContext { target_class: Some(WaterClass::II), ..SiteContext::default() };
    check(
        &ambient::water_targets(&class("III"), &target_ii),
        &[(Rule::WaterBelowTarget, "", t(0))],
        0,
    );
    check(&ambient::water_targets(&class("V"), &SiteContext::default()), &[], 0);
}

#[test]
fn a_drinking_water_source_alarms_below_its_own_target() {
    let class = |label: &str| derived(DerivedKind::WaterDaily, t(0), json!({ "class": label }));
    let source = |target| SiteContext {
        target_class: target,
        drinking_water_source: true,
        ..SiteContext::default()
    };
    // A class-1 protection zone (target II): class III is critical, naming target II.
    let zone_1 = ambient::water_targets(&class("III"), &source(Some(WaterClass::II)));
    check(
        &zone_1,
        &[(Rule::WaterBelowTarget, "", t(0)), (Rule::DrinkingWaterBelowIii, "", t(0))],
        0,
    );
    assert_eq!(zone_1.findings[1].severity, Severity::Critical);
    assert_eq!(zone_1.findings[1].evidence["target"], json!("II"));
    check(&ambient::water_targets(&class("II"), &source(Some(WaterClass::II))), &[], 2);
    // A class-2 zone (target III) or no target: class III holds.
    check(&ambient::water_targets(&class("III"), &source(Some(WaterClass::III))), &[], 2);
    check(&ambient::water_targets(&class("III"), &source(None)), &[], 1);
    // Never more lenient than III: a source registered with target IV alarms at IV.
    let lenient = ambient::water_targets(&class("IV"), &source(Some(WaterClass::IV)));
    check(&lenient, &[(Rule::DrinkingWaterBelowIii, "", t(0))], 1);
    assert_eq!(lenient.findings[0].evidence["target"], json!("III"));
    assert_eq!(Rule::DrinkingWaterBelowIii.as_str(), "drinking_water_below_iii", "stored code");
}

#[test]
fn upstream_downstream_rise() {
    let config = RuleConfig::default();
    let items = |cod: f64, nh3: f64| {
        json!({ "items": [
            { "code": "w01018", "value": cod },
            { "code": "w21003", "value": nh3 },
            { "code": "w01001", "value": { "not_detected": true } },
        ]})
    };
    let up = derived(DerivedKind::WaterDaily, t(0), items(10.0, 0.5));
    let down = DerivedResult {
        point: PointId(2),
        ..derived(DerivedKind::WaterDaily, t(0), items(16.0, 0.6))
    };
    let judged = ambient::upstream_downstream(&down, &up, POINT, &config);
    check(&judged, &[(Rule::UpstreamDownstreamRise, "w01018", t(0))], 1);
    assert_eq!(judged.findings[0].evidence["ratio"], json!(1.6));
    let other_day = DerivedResult { start: t(24 * 60), ..up };
    check(&ambient::upstream_downstream(&down, &other_day, POINT, &config), &[], 0);
}

#[test]
fn device_offline_after_the_configured_minutes() {
    let config = RuleConfig::default();
    check(
        &availability::device_offline(POINT, "MN1", Some(t(0)), t(30), &config),
        &[(Rule::DeviceOffline, "MN1", t(0))],
        0,
    );
    let back = availability::device_offline(POINT, "MN1", Some(t(0)), t(29), &config);
    check(&back, &[], 1);
    assert_eq!(back.cleared[0].within, None);
    check(&availability::device_offline(POINT, "MN1", None, t(300), &config), &[], 0);
}

#[test]
fn data_missing_counts_the_beijing_day_only_once_it_is_over() {
    let config = RuleConfig::default();
    // 1300 of 1440 minutes (90.3 %) plus the previous and next day's data at the boundaries.
    let mut readings = minutes("a21026", 1300, |_| 1.0);
    readings.push(reading("a21026", DataKind::Minute, -1, 1.0));
    readings.push(reading("a21026", DataKind::Minute, 24 * 60, 1.0));
    let after = t(24 * 60 + 5);
    check(
        &availability::data_missing(POINT, DataKind::Minute, t(0), &readings, after, &config),
        &[],
        1,
    );
    let sparse = minutes("a21026", 1200, |_| 1.0);
    let judged = availability::data_missing(POINT, DataKind::Minute, t(0), &sparse, after, &config);
    check(&judged, &[(Rule::DataMissing, "minute", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["n_present"], json!(1200));
    check(
        &availability::data_missing(POINT, DataKind::Minute, t(0), &sparse, t(23 * 60), &config),
        &[],
        0,
    );
    let hours = series("a21026", DataKind::Hour, 0, 60, &[1.0; 20]);
    check(
        &availability::data_missing(POINT, DataKind::Hour, t(0), &hours, after, &config),
        &[(Rule::DataMissing, "hour", t(0))],
        0,
    );
}

#[test]
fn clock_drift_beyond_the_allowed_seconds() {
    let config = RuleConfig::default();
    check(
        &availability::clock_drift(POINT, Some(t(20)), t(5), &config),
        &[(Rule::ClockDrift, "", t(0))],
        0,
    );
    check(&availability::clock_drift(POINT, Some(t(0)), t(5), &config), &[], 1);
    check(&availability::clock_drift(POINT, None, t(5), &config), &[], 0);
}

fn flagged(mut readings: Vec<Reading>, from: usize, to: usize, flag: &str) -> Vec<Reading> {
    for reading in &mut readings[from..to] {
        reading.values.flag = Some(flag.to_owned());
    }
    readings
}

#[test]
fn abnormal_flags_lasting_too_long() {
    let config = RuleConfig::default();
    let long = flagged(minutes("a21026", 600, |_| 1.0), 100, 350, "D");
    let judged = availability::abnormal_flag(POINT, "a21026", &long, day(), &config);
    check(&judged, &[(Rule::AbnormalFlag, "a21026", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["flag"], json!("D"));
    assert_eq!(judged.findings[0].evidence["minutes"], json!(250));
    let short = flagged(minutes("a21026", 600, |_| 1.0), 100, 300, "M");
    check(&availability::abnormal_flag(POINT, "a21026", &short, day(), &config), &[], 1);
    let normal_flag = flagged(minutes("a21026", 600, |_| 1.0), 0, 600, "N");
    check(&availability::abnormal_flag(POINT, "a21026", &normal_flag, day(), &config), &[], 1);
}

#[test]
fn constant_values_for_a_long_time() {
    let config = RuleConfig::default();
    let constant = minutes("a21026", 300, |i| if (50..200).contains(&i) { 12.5 } else { i as f64 });
    let judged = suspicious::constant_value(POINT, "a21026", &constant, day(), &config);
    check(&judged, &[(Rule::ConstantValue, "a21026", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["minutes"], json!(150));
    assert_eq!(judged.findings[0].evidence["from"], json!(t(50)));
    let varying = minutes("a21026", 300, |i| 10.0 + (i % 7) as f64);
    check(&suspicious::constant_value(POINT, "a21026", &varying, day(), &config), &[], 1);
}

#[test]
fn values_just_below_the_limit_for_long_stretches() {
    let config = RuleConfig::default();
    let hugging = minutes("a21026", 300, |i| 33.0 + (i % 3) as f64 * 0.5);
    let judged = suspicious::near_limit(POINT, &measured(35.0), &hugging, day(), &config);
    check(&judged, &[(Rule::NearLimit, "a21026", t(0))], 0);
    let normal = minutes("a21026", 300, |i| 10.0 + (i % 3) as f64);
    check(&suspicious::near_limit(POINT, &measured(35.0), &normal, day(), &config), &[], 1);
}

#[test]
fn sudden_drop_while_flow_continues() {
    let config = RuleConfig::default();
    let concentration = minutes("a21026", 30, |i| if i < 20 { 30.0 } else { 0.5 });
    let steady_flow = minutes("a00000", 30, |_| 1000.0);
    let judged =
        suspicious::drop_with_flow(POINT, "a21026", &concentration, &steady_flow, day(), &config);
    check(&judged, &[(Rule::DropWithFlow, "a21026", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["data_time"], json!(t(20)));
    // The source stopped: flow fell too.
    let stopped = minutes("a00000", 30, |i| if i < 20 { 1000.0 } else { 10.0 });
    check(
        &suspicious::drop_with_flow(POINT, "a21026", &concentration, &stopped, day(), &config),
        &[],
        1,
    );
}

#[test]
fn zero_or_negative_concentrations() {
    let config = RuleConfig::default();
    let zeros = minutes("a21026", 20, |i| {
        if (5..8).contains(&i) { if i == 6 { -0.2 } else { 0.0 } } else { 3.0 }
    });
    let judged = suspicious::zero_or_negative(POINT, "a21026", &zeros, day(), &config);
    check(&judged, &[(Rule::ZeroOrNegative, "a21026", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["values"], json!([0.0, -0.2, 0.0]));
    let two = minutes("a21026", 20, |i| if (5..7).contains(&i) { 0.0 } else { 3.0 });
    check(&suspicious::zero_or_negative(POINT, "a21026", &two, day(), &config), &[], 1);
}

#[test]
fn converted_concentration_inconsistent_with_measured_and_oxygen() {
    let config = RuleConfig::default();
    let limit = so2_limit(
        35.0,
        Averaging::Hour,
        Conversion::ReferenceOxygen {
            reference_o2_pct: Decimal::from_f64(6.0).unwrap(),
            air_o2_pct: Decimal::from_f64(21.0).unwrap(),
        },
    );
    let oxygen =
        exceedance::oxygen_by_time(&series("a19001", DataKind::Minute, 0, 1, &[12.0, 12.0]));
    let mut sent = series("a21026", DataKind::Minute, 0, 1, &[30.0, 30.0]);
    sent[0].values.zs_avg = Some(50.0); // 30 × 15 / 9 = 50: consistent.
    sent[1].values.zs_avg = Some(30.0); // reported as if no conversion were due.
    let judged = suspicious::conversion_mismatch(POINT, &limit, &sent, &oxygen, day(), &config);
    check(&judged, &[(Rule::ConversionMismatch, "a21026", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["data_time"], json!(t(1)));
    check(
        &suspicious::conversion_mismatch(POINT, &limit, &sent[..1], &oxygen, day(), &config),
        &[],
        1,
    );
}

#[test]
fn hourly_values_inconsistent_with_minutes() {
    let config = RuleConfig::default();
    let minute_values = minutes("a21026", 60, |_| 20.0);
    let hour = reading("a21026", DataKind::Hour, 0, 30.0);
    check(
        &suspicious::hour_minute_mismatch(POINT, &hour, &minute_values, &config),
        &[(Rule::HourMinuteMismatch, "a21026", t(0))],
        0,
    );
    let consistent = reading("a21026", DataKind::Hour, 0, 21.0);
    check(&suspicious::hour_minute_mismatch(POINT, &consistent, &minute_values, &config), &[], 1);
    check(&suspicious::hour_minute_mismatch(POINT, &hour, &minute_values[..30], &config), &[], 0);
}

#[test]
fn cumulative_totals_going_backwards() {
    let with_totals = |totals: &[f64]| -> Vec<Reading> {
        totals
            .iter()
            .enumerate()
            .map(|(i, &total)| {
                let mut r = reading("w00000", DataKind::Hour, i as i64 * 60, 1.0);
                r.values.cou = Some(total);
                r
            })
            .collect()
    };
    let judged = suspicious::cumulative_backwards(
        POINT,
        "w00000",
        &with_totals(&[100.0, 150.0, 120.0, 180.0]),
        day(),
    );
    check(&judged, &[(Rule::CumulativeBackwards, "w00000", t(0))], 0);
    assert_eq!(judged.findings[0].evidence["after"], json!(120.0));
    check(
        &suspicious::cumulative_backwards(
            POINT,
            "w00000",
            &with_totals(&[100.0, 150.0, 150.0]),
            day(),
        ),
        &[],
        1,
    );
}
