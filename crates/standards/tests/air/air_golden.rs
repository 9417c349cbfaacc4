//! Golden tables for the ambient-air evaluation (GB 3095, HJ 663).

use chrono::{NaiveDate, NaiveDateTime};
use standards::air::{
    AirOptions, Averaging, Class, HourlySeries, evaluate_station, hour_is_valid, hourly_aqi_series,
    limit_milli, percentile,
};
use standards::aqi::{Indicator, Pollutant};
use standards::decimal::Conc;
use standards::edition::{AirEdition, EditionChoice, HourLabel, LimitSet};

use super::golden::{Row, read};

pub(crate) fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Hourly columns for `from..=to`, the hour starting 00:00 of `from` first,
/// filled by `value(pollutant, day index, hour of day)`.
pub(crate) struct Columns {
    pub(crate) from: NaiveDate,
    pub(crate) columns: [Vec<Option<Conc>>; 6],
}

impl Columns {
    pub(crate) fn new(
        from: NaiveDate,
        to: NaiveDate,
        value: impl Fn(Pollutant, usize, usize) -> Option<Conc>,
    ) -> Columns {
        let n_days = (to - from).num_days() as usize + 1;
        let columns = Pollutant::ALL
            .map(|p| (0..n_days * 24).map(|i| value(p, i / 24, i % 24)).collect::<Vec<_>>());
        Columns { from, columns }
    }

    /// Labelled by hour end: element 0 is 01:00 of `from`.
    pub(crate) fn series(&self) -> HourlySeries<'_> {
        HourlySeries {
            first_label_beijing: self.from.and_hms_opt(1, 0, 0).unwrap(),
            label: HourLabel::PeriodEnd,
            columns: [
                &self.columns[0],
                &self.columns[1],
                &self.columns[2],
                &self.columns[3],
                &self.columns[4],
                &self.columns[5],
            ],
        }
    }
}

fn units(n: i64) -> Option<Conc> {
    Some(Conc::from_units(n).unwrap())
}

fn check_limit(row: &Row) {
    let set = [LimitSet::Gb3095_2012, LimitSet::Gb3095_2026Transition, LimitSet::Gb3095_2026Final]
        .into_iter()
        .find(|s| s.name() == row.get("limits"))
        .unwrap();
    let class = if row.get("class") == "1" { Class::One } else { Class::Two };
    let pollutant = Pollutant::parse(row.get("pollutant")).unwrap();
    let averaging = match row.get("averaging") {
        "annual" => Averaging::Annual,
        "24h" => Averaging::Daily,
        "1h" => Averaging::Hourly,
        "mda8" => Averaging::Mda8,
        other => panic!("{}: {other}", row.clause()),
    };
    let want = row.conc("limit").map(Conc::milli);
    assert_eq!(limit_milli(set, class, pollutant, averaging), want, "{}", row.clause());
}

#[test]
fn gb3095_limits() {
    read("air_limits.csv").iter().for_each(check_limit);
}

/// The one check for validity thresholds: builds the smallest input with
/// exactly `n` valid values and asks whether the statistic is valid.
fn check_validity(row: &Row) {
    let n = row.u32("n") as usize;
    let want = row.bool("valid");
    let options = AirOptions::default();
    let day = date("2021-01-05");
    let got = match row.get("statistic") {
        "daily_mean" => {
            let cols = Columns::new(day, day, |p, _, h| {
                (p == Pollutant::Pm25 && h < n).then(|| units(50)).flatten()
            });
            let result =
                evaluate_station(&cols.series(), day, day, EditionChoice::ByDate, &options)
                    .unwrap();
            let v = result.days[0].daily[Pollutant::Pm25.index()];
            assert_eq!(v.validity.n_valid as usize, n, "{}", row.clause());
            v.value.is_some()
        }
        "eight_hour" => {
            // 2012 real-time report: the O3 8 h moving mean ending 08:00.
            let cols = Columns::new(day, day, |p, _, h| {
                (p == Pollutant::O3 && h < 8 && h >= 8 - n).then(|| units(100)).flatten()
            });
            let hours = hourly_aqi_series(&cols.series(), EditionChoice::ByDate, &options).unwrap();
            assert_eq!(hours[7].end_label_beijing, day.and_hms_opt(8, 0, 0).unwrap());
            hours[7].aqi.iaqi_of(Indicator::O3_8h).is_some()
        }
        statistic if statistic.starts_with("mda8") => {
            // The first n + 5 hours valid gives exactly n valid windows ending 8..24.
            let value = match statistic {
                "mda8_windows" => 100,
                "mda8_exceeds_200" => 200,
                "mda8_exceeds_160" => 160,
                other => panic!("{other}"),
            };
            let hours = if n == 0 { 0 } else { n + 5 };
            let cols = Columns::new(day, day, |p, _, h| {
                (p == Pollutant::O3 && h < hours).then(|| units(value)).flatten()
            });
            let result =
                evaluate_station(&cols.series(), day, day, EditionChoice::ByDate, &options)
                    .unwrap();
            let mda8 = result.days[0].o3_mda8;
            assert_eq!(mda8.validity.n_valid as usize, n, "{}", row.clause());
            mda8.value.is_some()
        }
        statistic @ ("month_jan" | "month_feb" | "year") => {
            let (from, to) = match statistic {
                "month_jan" => (date("2021-01-01"), date("2021-01-31")),
                "month_feb" => (date("2021-02-01"), date("2021-02-28")),
                _ => (date("2021-01-01"), date("2021-12-31")),
            };
            let cols = Columns::new(from, to, |p, d, _| {
                (p == Pollutant::Pm25 && d < n).then(|| units(30)).flatten()
            });
            let result =
                evaluate_station(&cols.series(), from, to, EditionChoice::ByDate, &options)
                    .unwrap();
            let stats = &result.period.pieces[0].pollutants[Pollutant::Pm25.index()];
            assert_eq!(stats.validity.n_valid as usize, n, "{}", row.clause());
            if statistic == "year" {
                stats.validity.is_met()
            } else {
                assert!(stats.months[0].whole_month);
                stats.months[0].validity.is_met() && stats.every_month_met
            }
        }
        "hour_minutes" => hour_is_valid(n as u32),
        other => panic!("{}: unknown statistic {other}", row.clause()),
    };
    assert_eq!(got, want, "{}: n = {n}", row.clause());
}

#[test]
fn validity_thresholds() {
    read("air_validity.csv").iter().for_each(check_validity);
}

fn check_percentile(row: &Row) {
    let text = row.get("values");
    let values: Vec<Conc> = match text.split_once("..") {
        Some((a, b)) => (a.parse::<i64>().unwrap()..=b.parse().unwrap())
            .map(|v| Conc::from_units(v).unwrap())
            .collect(),
        None => text.split_whitespace().map(|t| Conc::parse(t).unwrap()).collect(),
    };
    let got = percentile(&values, row.u32("percent") as u8).unwrap().unwrap();
    let want = Conc::parse(row.get("expected")).unwrap();
    assert_eq!(got.to_conc(), want, "{}", row.clause());
    assert!(
        !got.exceeds_milli(want.milli()) && got.exceeds_milli(want.milli() - 1),
        "{}: exact",
        row.clause()
    );
}

#[test]
fn hj663_percentiles() {
    read("air_percentile.csv").iter().for_each(check_percentile);
}

/// The one check for period evaluations: constant hourly values over a
/// period, compared piece by piece (fields joined by `;`).
fn check_period(row: &Row) {
    let (from, to) = (date(row.get("from")), date(row.get("to")));
    let choice = match row.get("choice") {
        "by_date" => EditionChoice::ByDate,
        other => EditionChoice::Fixed(AirEdition::parse(other).unwrap()),
    };
    let value = |p: Pollutant| {
        let name = match p {
            Pollutant::So2 => "so2",
            Pollutant::No2 => "no2",
            Pollutant::Co => "co",
            Pollutant::O3 => "o3",
            Pollutant::Pm10 => "pm10",
            Pollutant::Pm25 => "pm25",
        };
        row.conc(name)
    };
    let cols = Columns::new(from, to, |p, _, _| value(p));
    let result =
        evaluate_station(&cols.series(), from, to, choice, &AirOptions::default()).unwrap();
    let clause = row.clause();
    for day in &result.days {
        assert_eq!(day.aqi.aqi, row.opt_u32("aqi"), "{clause}: {}", day.date);
        assert_eq!(day.aqi.primary.to_string(), row.get("primary"), "{clause}: {}", day.date);
        assert_eq!(
            day.edition,
            choice.edition_on(day.date),
            "{clause}: every day records its edition"
        );
    }
    let pieces = &result.period.pieces;
    let join = |f: &dyn Fn(&standards::air::PeriodStats) -> String| {
        pieces.iter().map(f).collect::<Vec<_>>().join(";")
    };
    assert_eq!(
        join(&|p| format!("{}/{}/{}/{}", p.edition, p.limits, p.from, p.to)),
        row.get("pieces"),
        "{clause}: pieces"
    );
    assert_eq!(result.period.is_piecewise(), row.get("pieces").contains(';'), "{clause}");
    assert_eq!(join(&|p| p.days.n_good.to_string()), row.get("good"), "{clause}: good days");
    assert_eq!(
        join(&|p| p.days.n_over.to_string()),
        row.get("over"),
        "{clause}: over-standard days"
    );
    assert_eq!(
        join(&|p| p.days.n_exceedance_class2.to_string()),
        row.get("exceed2"),
        "{clause}: exceedance days"
    );
    assert_eq!(
        join(&|p| Conc::from_milli(p.composite.total_milli.unwrap()).unwrap().to_string()),
        row.get("composite"),
        "{clause}: composite index"
    );
    assert_eq!(
        join(&|p| Pollutant::ALL
            .iter()
            .filter(|q| p.composite.main.contains(**q))
            .map(|q| q.name())
            .collect::<Vec<_>>()
            .join("|")),
        row.get("main"),
        "{clause}: main pollutant"
    );
}

#[test]
fn periods_editions_and_counts() {
    read("air_period.csv").iter().for_each(check_period);
}

#[test]
fn hour_label_conventions_agree_and_a_mislabel_shifts_the_day() {
    // Hour starting h has value h (PM2.5); the day's 24 hours are 0..=23, mean 11.5.
    let day = date("2021-06-01");
    let values: Vec<Option<Conc>> = (0..24).map(units).collect();
    let none: Vec<Option<Conc>> = vec![None; 24];
    let mut columns: [&[Option<Conc>]; 6] = [&none; 6];
    columns[Pollutant::Pm25.index()] = &values;
    let start_labelled = HourlySeries {
        first_label_beijing: day.and_hms_opt(0, 0, 0).unwrap(),
        label: HourLabel::PeriodStart,
        columns,
    };
    let end_labelled = HourlySeries {
        first_label_beijing: day.and_hms_opt(1, 0, 0).unwrap(),
        label: HourLabel::PeriodEnd,
        columns,
    };
    let options = AirOptions::default();
    let mean = |s: &HourlySeries<'_>| {
        let r = evaluate_station(s, day, day, EditionChoice::ByDate, &options).unwrap();
        r.days[0].daily[Pollutant::Pm25.index()]
    };
    assert_eq!(mean(&start_labelled), mean(&end_labelled));
    assert_eq!(mean(&start_labelled).value.unwrap().to_conc().to_string(), "11.5");
    // HJ 212 start labels mistaken for end labels: the day loses hour 0.
    let mislabelled = HourlySeries { label: HourLabel::PeriodEnd, ..start_labelled };
    assert_eq!(mean(&mislabelled).validity.n_valid, 23);
    // A label off the whole hour is refused.
    let odd = HourlySeries {
        first_label_beijing: NaiveDateTime::parse_from_str(
            "2021-06-01 00:30:00",
            "%Y-%m-%d %H:%M:%S",
        )
        .unwrap(),
        ..start_labelled
    };
    assert_eq!(
        evaluate_station(&odd, day, day, EditionChoice::ByDate, &options).unwrap_err().reason(),
        "not_whole_hour"
    );
}

/// The one check for annual compliance: daily values given as
/// `value*days …` (each day's hours all equal to the value).
fn check_compliance(row: &Row) {
    let (from, to) = (date(row.get("from")), date(row.get("to")));
    let pollutant = Pollutant::parse(row.get("pollutant")).unwrap();
    let mut daily: Vec<Conc> = Vec::new();
    for part in row.get("days").split_whitespace() {
        let (value, n) = part.split_once('*').unwrap();
        daily.extend(std::iter::repeat_n(Conc::parse(value).unwrap(), n.parse().unwrap()));
    }
    assert_eq!(daily.len() as i64, (to - from).num_days() + 1, "{}", row.clause());
    let cols = Columns::new(from, to, |p, d, _| (p == pollutant).then(|| daily[d]));
    let rule = match row.get("rule") {
        "mean_and_percentile" => standards::air::DailyPercentileRule::AnnualMeanAndPercentile,
        _ => standards::air::DailyPercentileRule::AnnualMeanOnly,
    };
    let options = AirOptions { daily_percentile_rule: rule, ..AirOptions::default() };
    let choice = match row.get("choice") {
        "by_date" => EditionChoice::ByDate,
        other => EditionChoice::Fixed(AirEdition::parse(other).unwrap()),
    };
    let result = evaluate_station(&cols.series(), from, to, choice, &options).unwrap();
    assert_eq!(result.period.pieces.len(), 1, "{}", row.clause());
    let stats = &result.period.pieces[0].pollutants[pollutant.index()];
    let clause = row.clause();
    assert!(stats.validity.is_met() && stats.every_month_met, "{clause}: a full valid year");
    assert_eq!(stats.mean, row.conc("mean"), "{clause}: mean");
    assert_eq!(stats.percentile, row.conc("percentile"), "{clause}: percentile");
    assert_eq!(stats.class1.complies, Some(row.bool("class1")), "{clause}: class 1");
    assert_eq!(stats.class2.complies, Some(row.bool("class2")), "{clause}: class 2");
}

#[test]
fn annual_compliance() {
    read("air_compliance.csv").iter().for_each(check_compliance);
}
