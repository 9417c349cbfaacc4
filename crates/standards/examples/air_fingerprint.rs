//! Prints one hash of the air evaluation's results over many random series,
//! every combination of the options that change the arithmetic, and three
//! edition choices. Speed work on `standards::air` must leave it unchanged:
//! run it before and after a change and compare the two lines.
//!
//! The series are built to reach the rare paths: missing rates from 0.5 % to
//! 40 %, values above the top breakpoints and O3 above 800, columns of
//! different lengths, first labels at odd hours, periods that start before
//! and end after the data, and dates across the 2026-03-01 edition change.
//!
//! Run: `cargo run --release -p standards --example air_fingerprint`.

use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use standards::air::{
    AirOptions, DailyPercentileRule, IncompleteDay, Mda8Windows, StatisticRounding,
    evaluate_station,
};
use standards::aqi::{AboveTopBreakpoint, InputRounding2012, O3Tie, Pollutant};
use standards::decimal::Conc;
use standards::edition::{AirEdition, EditionChoice, HourLabel};

const N_SERIES: usize = 120;

fn column(
    rng: &mut ChaCha8Rng,
    hours: usize,
    pollutant: Pollutant,
    missing: f64,
) -> Vec<Option<Conc>> {
    let base: i64 = [15_000, 40_000, 1_100, 95_000, 80_000, 45_000][pollutant.index()];
    let step = if pollutant == Pollutant::Co { 100 } else { 1000 };
    (0..hours)
        .map(|_| {
            if rng.gen_bool(missing) {
                return None;
            }
            // Mostly ordinary values, sometimes far above the top breakpoint.
            let factor: f64 =
                if rng.gen_bool(0.01) { rng.gen_range(5.0..40.0) } else { rng.gen_range(0.1..3.0) };
            let milli = (base as f64 * factor) as i64;
            let milli = if rng.gen_bool(0.5) { milli / step * step } else { milli };
            Conc::from_milli(milli).ok()
        })
        .collect()
}

fn option_sets() -> Vec<AirOptions> {
    let mut sets = Vec::new();
    for mda8_windows in [Mda8Windows::EndingAt8To24, Mda8Windows::AllEndingInDay] {
        for incomplete_day in [
            IncompleteDay::CountOnlyIfOver100,
            IncompleteDay::CountAsComputed,
            IncompleteDay::Exclude,
        ] {
            for statistic_rounding in
                [StatisticRounding::ReportingPrecision, StatisticRounding::Milli]
            {
                for input_rounding_2012 in
                    [InputRounding2012::Exact, InputRounding2012::ReportingPrecision]
                {
                    for daily_percentile_rule in [
                        DailyPercentileRule::AnnualMeanAndPercentile,
                        DailyPercentileRule::AnnualMeanOnly,
                    ] {
                        let mut options = AirOptions {
                            mda8_windows,
                            incomplete_day,
                            statistic_rounding,
                            daily_percentile_rule,
                            ..AirOptions::default()
                        };
                        options.aqi.input_rounding_2012 = input_rounding_2012;
                        // Alternate the AQI options that only change labels.
                        if sets.len() % 2 == 1 {
                            options.aqi.above_top = AboveTopBreakpoint::ExtrapolateLastSegment;
                            options.aqi.o3_tie = O3Tie::PreferEightHour;
                        }
                        sets.push(options);
                    }
                }
            }
        }
    }
    sets
}

#[allow(clippy::print_stdout, reason = "the fingerprint is this tool's output")]
fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let sets = option_sets();
    let choices = [
        EditionChoice::ByDate,
        EditionChoice::Fixed(AirEdition::Hj633_2012),
        EditionChoice::Fixed(AirEdition::Hj633_2026),
    ];
    let mut hasher = DefaultHasher::new();
    let mut n_days = 0usize;
    for i in 0..N_SERIES {
        let missing = [0.005, 0.03, 0.15, 0.4][i % 4];
        let n_days_data: usize = rng.gen_range(30..400);
        let hours: usize = n_days_data * 24 + rng.gen_range(0..24);
        let columns: Vec<Vec<Option<Conc>>> = Pollutant::ALL
            .into_iter()
            .map(|p| {
                let short: usize = if rng.gen_bool(0.1) { rng.gen_range(0..48) } else { 0 };
                column(&mut rng, hours.saturating_sub(short), p, missing)
            })
            .collect();
        let first_day = NaiveDate::from_ymd_opt(2025, 11, 1).expect("valid")
            + Duration::days(rng.gen_range(0..400));
        let first_hour = rng.gen_range(0..24);
        let label = if i % 2 == 0 { HourLabel::PeriodStart } else { HourLabel::PeriodEnd };
        let series = standards::air::HourlySeries {
            first_label_beijing: first_day.and_hms_opt(first_hour, 0, 0).expect("valid"),
            label,
            columns: [&columns[0], &columns[1], &columns[2], &columns[3], &columns[4], &columns[5]],
        };
        let from = first_day - Duration::days(rng.gen_range(0..2));
        let to = first_day + Duration::days(n_days_data as i64 + rng.gen_range(-1..2));
        for options in &sets {
            for choice in choices {
                let evaluation = evaluate_station(&series, from, to, choice, options)
                    .expect("a well-formed series");
                n_days += evaluation.days.len();
                evaluation.hash(&mut hasher);
            }
        }
    }
    println!("{n_days} days, fingerprint {:016x}", hasher.finish());
}
