//! Emission golden tables: conversion, period judgments, episodes, validity.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use standards::emission::{
    Averaging, Conversion, DataFlag, FlagPolicy, JudgeOptions, LimitBound, Outcome, PermitLimit,
    Reading, ValidityRule, aggregate, converted_concentration, judge,
};
use standards::water::Decimal;

use crate::table::{Row, check_all, opt, read};

fn dec(text: &str) -> Decimal {
    Decimal::parse(text).unwrap()
}

fn opt_dec(text: &str) -> Option<Decimal> {
    opt(text).map(dec)
}

fn time(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

#[test]
fn conversion() {
    check_all("emission_conversion.csv", |row: &Row| {
        let got = converted_concentration(
            dec(row.get("measured")),
            dec(row.get("o2_pct")),
            dec(row.get("reference_o2_pct")),
            dec(row.get("air_o2_pct")),
        );
        let want = opt_dec(row.get("converted"));
        if got == want { Ok(()) } else { Err(format!("got {got:?}, want {want:?}")) }
    });
}

fn limit(row: &Row) -> PermitLimit {
    let bound = match row.get("limit").split_once('-') {
        Some((low, high)) => LimitBound::Range { low: dec(low), high: dec(high) },
        None => LimitBound::Max(dec(row.get("limit"))),
    };
    let averaging = match row.get("averaging") {
        "hour" => Averaging::Hour,
        "day" => Averaging::Day,
        other => panic!("unknown averaging {other}"),
    };
    let conversion = match opt(row.get("reference_o2")) {
        Some(reference) => Conversion::ReferenceOxygen {
            reference_o2_pct: dec(reference),
            air_o2_pct: Decimal::from_int(21),
        },
        None => Conversion::Measured,
    };
    PermitLimit {
        pollutant: row.get("case").to_owned(),
        bound,
        unit: "mg/m3".to_owned(),
        averaging,
        conversion,
    }
}

fn show_outcome(outcome: &Outcome) -> (String, Option<Decimal>, Option<Decimal>) {
    match outcome {
        Outcome::Meets { concentration } => ("meets".to_owned(), Some(*concentration), None),
        Outcome::Exceeds { concentration, multiple } => {
            ("exceeds".to_owned(), Some(*concentration), *multiple)
        }
        Outcome::Excluded(exclusion) => (format!("excluded:{}", exclusion.reason()), None, None),
    }
}

/// Every case of `emission_periods.csv`, judged with its rows given in
/// reverse order (the input order must not matter).
fn judged_cases() -> BTreeMap<String, standards::emission::ExceedanceReport> {
    let rows = read("emission_periods.csv");
    let mut cases: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        cases.entry(row.get("case").to_owned()).or_default().push(row);
    }
    cases
        .into_iter()
        .map(|(case, rows)| {
            let readings: Vec<Reading> = rows
                .iter()
                .rev()
                .map(|row| Reading {
                    start_beijing: time(row.get("start")),
                    value: opt_dec(row.get("value")),
                    o2_pct: opt_dec(row.get("o2_pct")),
                    flag: DataFlag::parse(row.get("flag")),
                })
                .collect();
            (case, judge(&readings, &limit(rows[0]), &JudgeOptions::default()))
        })
        .collect()
}

#[test]
fn periods() {
    let cases = judged_cases();
    check_all("emission_periods.csv", |row: &Row| {
        let report = &cases[row.get("case")];
        let period = report
            .periods
            .iter()
            .find(|p| p.start_beijing == time(row.get("start")))
            .ok_or("period missing from the report")?;
        let got = show_outcome(&period.outcome);
        let want = (
            row.get("outcome").to_owned(),
            opt_dec(row.get("concentration")),
            opt_dec(row.get("multiple")),
        );
        if got == want { Ok(()) } else { Err(format!("got {got:?}, want {want:?}")) }
    });
    let boiler = &cases["boiler"];
    assert_eq!((boiler.n_valid, boiler.n_excluded, boiler.n_exceeding), (7, 10, 6));
    assert!(boiler.periods.windows(2).all(|w| w[0].start_beijing <= w[1].start_beijing));
}

#[test]
fn episodes() {
    let cases = judged_cases();
    let n = check_all("emission_episodes.csv", |row: &Row| {
        let report = &cases[row.get("case")];
        let episode =
            report.episodes.iter().find(|e| e.start_beijing == time(row.get("start"))).ok_or_else(
                || format!("no episode at that start; episodes: {:?}", report.episodes),
            )?;
        let got = (episode.end_beijing, episode.hours, episode.n_periods, episode.max_multiple);
        let want = (
            time(row.get("end")),
            row.get("hours").parse::<i64>().unwrap(),
            row.get("n_periods").parse::<usize>().unwrap(),
            opt_dec(row.get("max_multiple")),
        );
        if got == want { Ok(()) } else { Err(format!("got {got:?}, want {want:?}")) }
    });
    let total: usize = cases.values().map(|r| r.episodes.len()).sum();
    assert_eq!(total, n, "every episode is in the table");
}

#[test]
fn validity() {
    check_all("emission_validity.csv", |row: &Row| {
        let rule = match row.get("rule") {
            "flue-gas" => ValidityRule::FLUE_GAS,
            "incinerator-day" => ValidityRule::INCINERATOR_DAY,
            "water" => ValidityRule::WATER,
            other => panic!("unknown rule {other}"),
        };
        let count = |name: &str| row.get(name).parse::<usize>().unwrap();
        let start = time("2026-01-01 00:00");
        let reading = |value: Option<&str>, flag: &str| Reading {
            start_beijing: start,
            value: value.map(dec),
            o2_pct: None,
            flag: DataFlag::parse(flag),
        };
        let mut readings = Vec::new();
        readings.extend((0..count("n_valid")).map(|_| reading(Some("10"), "N")));
        readings
            .extend((0..count("n_invalid")).map(|_| reading(Some("999"), row.get("invalid_flag"))));
        readings.extend((0..count("n_missing")).map(|_| reading(None, "N")));
        let got = aggregate(&readings, count("n_expected"), rule, &FlagPolicy::default());
        let want_valid = row.get("valid") == "yes";
        let got_tuple = (got.valid, got.flag.to_string(), got.mean);
        let want_tuple = (want_valid, row.get("flag").to_owned(), opt_dec(row.get("mean")));
        if got_tuple == want_tuple {
            Ok(())
        } else {
            Err(format!("got {got_tuple:?}, want {want_tuple:?}"))
        }
    });
}

#[test]
fn oxygen_ceiling_option() {
    let reading = Reading {
        start_beijing: time("2026-01-01 00:00"),
        value: Some(dec("10")),
        o2_pct: Some(dec("20")),
        flag: DataFlag::N,
    };
    let limit = PermitLimit {
        pollutant: "NOx".to_owned(),
        bound: LimitBound::Max(dec("100")),
        unit: "mg/m3".to_owned(),
        averaging: Averaging::Hour,
        conversion: Conversion::ReferenceOxygen {
            reference_o2_pct: dec("9"),
            air_o2_pct: dec("21"),
        },
    };
    let options = JudgeOptions { oxygen_ceiling_pct: Some(dec("19")), ..JudgeOptions::default() };
    let report = judge(std::slice::from_ref(&reading), &limit, &options);
    assert_eq!(show_outcome(&report.periods[0].outcome).0, "excluded:oxygen_above_ceiling");
    // Without the ceiling: 10 x 12 / 1 = 120 > 100.
    let report = judge(&[reading], &limit, &JudgeOptions::default());
    assert_eq!(
        show_outcome(&report.periods[0].outcome),
        ("exceeds".to_owned(), Some(dec("120")), Some(dec("0.2")))
    );
}
