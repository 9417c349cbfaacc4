//! Real-time series, exact decimals and robustness.

use proptest::prelude::*;
use standards::air::{AirOptions, HourlySeries, evaluate_station, hourly_aqi_series};
use standards::aqi::{AqiOptions, Column, Indicator, Pollutant, iaqi_of_conc};
use standards::decimal::Conc;
use standards::edition::{AirEdition, EditionChoice, HourLabel};

use super::air_golden::{Columns, date};

#[test]
fn co_2_2_is_55_not_56() {
    // Regression for the example: a binary float gives 55.000…01.
    let float = 50.0_f64 / 2.0 * (2.2 - 2.0) + 50.0;
    assert_eq!(float.ceil(), 56.0);
    let co = Conc::from_f64(2.2).unwrap();
    assert_eq!(co.milli(), 2200);
    assert_eq!(
        iaqi_of_conc(AirEdition::Hj633_2012, Column::Co_24h, co, &AqiOptions::default()),
        Some(55)
    );
}

#[test]
fn realtime_pm_rule_per_edition() {
    // PM2.5 75 every hour; 2012 uses the 24 h moving mean (needs 20 hours),
    // 2026 the hour's own value on the daily column.
    let day = date("2021-01-10");
    let cols = Columns::new(day, day, |p, _, _| {
        (p == Pollutant::Pm25).then(|| Conc::from_units(75).unwrap())
    });
    let hours_2012 =
        hourly_aqi_series(&cols.series(), EditionChoice::ByDate, &AirOptions::default()).unwrap();
    assert_eq!(hours_2012[18].aqi.iaqi_of(Indicator::Pm25), None, "19 hours: no 24 h moving mean");
    assert_eq!(
        hours_2012[19].aqi.iaqi_of(Indicator::Pm25),
        Some(100),
        "20 hours: 24 h moving mean 75"
    );
    let fixed = EditionChoice::Fixed(AirEdition::Hj633_2026);
    let hours_2026 = hourly_aqi_series(&cols.series(), fixed, &AirOptions::default()).unwrap();
    assert!(hours_2026.iter().all(|h| h.aqi.iaqi_of(Indicator::Pm25) == Some(114)));
    assert!(hours_2026.iter().all(|h| h.aqi.iaqi_of(Indicator::O3_8h).is_none()));
    assert_eq!(hours_2026[0].end_label_beijing, day.and_hms_opt(1, 0, 0).unwrap());
}

#[test]
fn realtime_edition_changes_with_the_hour_start() {
    // The hour 23:00–24:00 on 2026-02-28 (end label 2026-03-01 00:00) is 2012's;
    // the next hour is 2026's.
    let cols =
        Columns::new(date("2026-02-28"), date("2026-03-01"), |_, _, _| Conc::from_units(10).ok());
    let hours =
        hourly_aqi_series(&cols.series(), EditionChoice::ByDate, &AirOptions::default()).unwrap();
    assert_eq!(hours[23].end_label_beijing, date("2026-03-01").and_hms_opt(0, 0, 0).unwrap());
    assert_eq!(hours[23].aqi.edition, AirEdition::Hj633_2012);
    assert_eq!(hours[24].aqi.edition, AirEdition::Hj633_2026);
}

fn any_value() -> impl Strategy<Value = Option<Conc>> {
    prop_oneof![
        1 => Just(None),
        4 => (0i64..=i64::from(i32::MAX)).prop_map(|m| Conc::from_milli(m).ok()),
        4 => (0i64..400_000).prop_map(|m| Conc::from_milli(m).ok()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_series_evaluates_without_panic(
        values in prop::collection::vec(any_value(), 0..24 * 5),
        start_hour in 0u32..24,
        end_labelled in any::<bool>(),
        edition in prop::sample::select(vec![None, Some(AirEdition::Hj633_2012), Some(AirEdition::Hj633_2026)]),
        span in 0u64..4,
    ) {
        let from = date("2026-02-27");
        let to = from + chrono::Days::new(span);
        let series = HourlySeries {
            first_label_beijing: from.and_hms_opt(start_hour, 0, 0).unwrap(),
            label: if end_labelled { HourLabel::PeriodEnd } else { HourLabel::PeriodStart },
            columns: [&values[..], &values[..], &values[..], &values[..], &values[..], &values[..]],
        };
        let choice = edition.map_or(EditionChoice::ByDate, EditionChoice::Fixed);
        let result = evaluate_station(&series, from, to, choice, &AirOptions::default()).unwrap();
        prop_assert_eq!(result.days.len() as u64, span + 1);
        for day in &result.days {
            for v in &day.daily {
                prop_assert_eq!(v.value.is_some(), v.validity.is_met());
            }
        }
        let hours = hourly_aqi_series(&series, choice, &AirOptions::default()).unwrap();
        prop_assert_eq!(hours.len(), values.len());
    }
}
