//! Every option standing in for an "unverified" fact: the default and the
//! alternative each behave as documented.

use standards::air::{
    AirOptions, CompositeLimits, CompositeRounding, HourlySeries, IncompleteDay, Mda8Windows,
    StatisticRounding, district_hourly, evaluate_station, period_statistics,
};
use standards::aqi::{
    AboveTopBreakpoint, AqiOptions, Column, DailyConcs, InputRounding2012, O3Tie, Pollutant,
    PollutantSet, daily_aqi, iaqi_of_conc,
};
use standards::decimal::{Conc, MeanConc};
use standards::edition::{AirEdition, EditionChoice, HourLabel};

use super::air_golden::{Columns, date};

fn c(text: &str) -> Conc {
    Conc::parse(text).unwrap()
}

fn m(text: &str) -> Option<MeanConc> {
    Some(c(text).into())
}

#[test]
fn above_top_breakpoint() {
    let cap = AqiOptions::default();
    let extrapolate = AqiOptions {
        above_top: AboveTopBreakpoint::ExtrapolateLastSegment,
        ..AqiOptions::default()
    };
    let e = AirEdition::Hj633_2012;
    assert_eq!(iaqi_of_conc(e, Column::Pm25_24h, c("600"), &cap), Some(500));
    // 400 + 100 × (600 − 350) / 150 = 566.67 → 567.
    assert_eq!(iaqi_of_conc(e, Column::Pm25_24h, c("600"), &extrapolate), Some(567));
    // The special columns keep their own rules under either option.
    assert_eq!(iaqi_of_conc(e, Column::So2_1h, c("900"), &extrapolate), None);
    assert_eq!(
        iaqi_of_conc(AirEdition::Hj633_2026, Column::O3_8h, c("900"), &extrapolate),
        Some(300)
    );
}

#[test]
fn input_rounding_2012() {
    let exact = AqiOptions::default();
    let rounded = AqiOptions {
        input_rounding_2012: InputRounding2012::ReportingPrecision,
        ..AqiOptions::default()
    };
    // CO 2.25: exact 56.25 → 57; rounded to 2.2 (half to even) → 55.
    assert_eq!(iaqi_of_conc(AirEdition::Hj633_2012, Column::Co_24h, c("2.25"), &exact), Some(57));
    assert_eq!(iaqi_of_conc(AirEdition::Hj633_2012, Column::Co_24h, c("2.25"), &rounded), Some(55));
    // HJ 633-2026 always rounds.
    assert_eq!(iaqi_of_conc(AirEdition::Hj633_2026, Column::Co_24h, c("2.25"), &exact), Some(55));
}

#[test]
fn o3_tie_display() {
    let day = DailyConcs { o3_mda8: m("160"), o3_max_1h: m("200"), ..DailyConcs::default() };
    let both = daily_aqi(AirEdition::Hj633_2012, &day, &AqiOptions::default());
    assert_eq!(both.primary.to_string(), "O3_8h|O3_1h");
    assert_eq!(both.primary.pollutants(), PollutantSet::EMPTY.with(Pollutant::O3));
    let eight = AqiOptions { o3_tie: O3Tie::PreferEightHour, ..AqiOptions::default() };
    assert_eq!(daily_aqi(AirEdition::Hj633_2012, &day, &eight).primary.to_string(), "O3_8h");
}

#[test]
fn not_in_plan_pollutants_do_not_block_publication() {
    let day = DailyConcs {
        so2_24h: m("10"),
        no2_24h: m("20"),
        pm10_24h: m("40"),
        pm25_24h: m("20"),
        o3_mda8: m("60"),
        ..DailyConcs::default()
    };
    let plain = daily_aqi(AirEdition::Hj633_2026, &day, &AqiOptions::default());
    assert_eq!((plain.missing.to_string().as_str(), plain.publishable), ("CO", false));
    let options = AqiOptions {
        not_in_plan: PollutantSet::EMPTY.with(Pollutant::Co),
        ..AqiOptions::default()
    };
    let planned = daily_aqi(AirEdition::Hj633_2026, &day, &options);
    assert_eq!((planned.missing.to_string().as_str(), planned.publishable), ("", true));
}

#[test]
fn mda8_windows() {
    // O3 300 in the evening before, 50 all day: only windows ending before
    // 08:00 reach the evening.
    let day = date("2021-07-02");
    let cols = Columns::new(date("2021-07-01"), day, |p, d, h| {
        (p == Pollutant::O3).then(|| c(if d == 0 && h >= 17 { "300" } else { "50" }))
    });
    let run = |windows| {
        let options = AirOptions { mda8_windows: windows, ..AirOptions::default() };
        let r =
            evaluate_station(&cols.series(), day, day, EditionChoice::ByDate, &options).unwrap();
        r.days[0].o3_mda8.value.unwrap().to_conc().to_string()
    };
    assert_eq!(run(Mda8Windows::EndingAt8To24), "50");
    // Window ending 01:00: (7 × 300 + 50) / 8 = 268.75.
    assert_eq!(run(Mda8Windows::AllEndingInDay), "268.75");
}

#[test]
fn incomplete_days() {
    // PM2.5 never measured; day 1 AQI 40, day 2 AQI 131 (PM10 200, 2026).
    let (from, to) = (date("2026-06-01"), date("2026-06-02"));
    let cols = Columns::new(from, to, |p, d, _| match p {
        Pollutant::Pm25 => None,
        Pollutant::Pm10 => Some(c(if d == 0 { "40" } else { "200" })),
        Pollutant::Co => Some(c("0.5")),
        _ => Some(c("10")),
    });
    let counts = |policy| {
        let options = AirOptions { incomplete_day: policy, ..AirOptions::default() };
        let r =
            evaluate_station(&cols.series(), from, to, EditionChoice::ByDate, &options).unwrap();
        let d = r.period.pieces[0].days;
        (d.n_aqi_days, d.n_good, d.n_over)
    };
    assert_eq!(counts(IncompleteDay::CountOnlyIfOver100), (1, 0, 1));
    assert_eq!(counts(IncompleteDay::CountAsComputed), (2, 1, 1));
    assert_eq!(counts(IncompleteDay::Exclude), (0, 0, 0));
}

#[test]
fn statistic_rounding_is_gb_t_8170() {
    // Daily PM2.5 alternating 34 and 35 → annual mean 34.5 → 34 (half to even).
    let (from, to) = (date("2021-03-01"), date("2021-03-30"));
    let cols = Columns::new(from, to, |p, d, _| {
        (p == Pollutant::Pm25).then(|| c(if d % 2 == 0 { "34" } else { "35" }))
    });
    let mean = |rounding| {
        let options = AirOptions { statistic_rounding: rounding, ..AirOptions::default() };
        let r =
            evaluate_station(&cols.series(), from, to, EditionChoice::ByDate, &options).unwrap();
        r.period.pieces[0].pollutants[Pollutant::Pm25.index()].mean.unwrap().to_string()
    };
    assert_eq!(mean(StatisticRounding::ReportingPrecision), "34");
    assert_eq!(mean(StatisticRounding::Milli), "34.5");
}

#[test]
fn composite_options() {
    let (from, to) = (date("2026-06-01"), date("2026-06-03"));
    let cols = Columns::new(from, to, |p, _, _| {
        Some(c(match p {
            Pollutant::So2 => "12",
            Pollutant::No2 => "30",
            Pollutant::Co => "1.2",
            Pollutant::O3 => "150",
            Pollutant::Pm10 => "60",
            Pollutant::Pm25 => "35",
        }))
    });
    let total = |limits, rounding| {
        let options = AirOptions {
            composite_limits: limits,
            composite_rounding: rounding,
            ..AirOptions::default()
        };
        let r =
            evaluate_station(&cols.series(), from, to, EditionChoice::ByDate, &options).unwrap();
        Conc::from_milli(r.period.pieces[0].composite.total_milli.unwrap()).unwrap().to_string()
    };
    assert_eq!(total(CompositeLimits::ClassTwoOfLimitSet, CompositeRounding::Hundredths), "4.36");
    assert_eq!(total(CompositeLimits::Gb3095_2012, CompositeRounding::Hundredths), "4.05");
    // 0.2 + 0.75 + 0.857 + 1 + 0.3 + 0.938 (0.9375 half to even).
    assert_eq!(total(CompositeLimits::Gb3095_2012, CompositeRounding::Thousandths), "4.045");
}

#[test]
fn district_mean_of_stations() {
    let day = date("2021-05-01");
    let a = Columns::new(day, day, |p, _, h| {
        (p == Pollutant::Pm25).then(|| c("40")).filter(|_| h != 3)
    });
    let b = Columns::new(day, day, |p, _, _| (p == Pollutant::Pm25).then(|| c("61")));
    let stations = [a.series(), b.series()];
    let one = district_hourly(&stations, &AirOptions::default()).unwrap();
    let pm = &one.columns[Pollutant::Pm25.index()];
    assert_eq!(pm[0].unwrap().to_string(), "50.5");
    assert_eq!(pm[3].unwrap().to_string(), "61");
    assert_eq!(one.n_stations[Pollutant::Pm25.index()][3], 1);
    let two = district_hourly(
        &stations,
        &AirOptions { district_min_stations: 2, ..AirOptions::default() },
    )
    .unwrap();
    assert_eq!(two.columns[Pollutant::Pm25.index()][3], None);
    // The district series evaluates like a station's.
    let r =
        evaluate_station(&one.as_series(), day, day, EditionChoice::ByDate, &AirOptions::default())
            .unwrap();
    assert_eq!(r.days[0].daily[Pollutant::Pm25.index()].validity.n_valid, 24);
    // Misaligned stations are refused.
    let shifted = HourlySeries { label: HourLabel::PeriodStart, ..b.series() };
    let err = district_hourly(&[a.series(), shifted], &AirOptions::default()).unwrap_err();
    assert_eq!(err.reason(), "misaligned_series");
}

#[test]
fn piecewise_period_from_days() {
    // period_statistics works on any slice of days, e.g. a year that spans 2026-03-01.
    let (from, to) = (date("2026-01-01"), date("2026-12-31"));
    let cols = Columns::new(from, to, |_, _, _| Some(c("20")));
    let r =
        evaluate_station(&cols.series(), from, to, EditionChoice::ByDate, &AirOptions::default())
            .unwrap();
    let again = period_statistics(&r.days, &AirOptions::default());
    assert_eq!(again, r.period);
    assert!(r.period.is_piecewise());
    let pieces: Vec<_> =
        r.period.pieces.iter().map(|p| (p.edition, p.from, p.to, p.days.n_days)).collect();
    assert_eq!(
        pieces,
        vec![
            (AirEdition::Hj633_2012, from, date("2026-02-28"), 59),
            (AirEdition::Hj633_2026, date("2026-03-01"), to, 306),
        ]
    );
    // Neither piece alone reaches 324 valid days: annual validity is per piece.
    assert!(r.period.pieces.iter().all(|p| !p.pollutants[0].validity.is_met()));
}
