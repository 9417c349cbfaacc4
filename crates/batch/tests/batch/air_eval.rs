//! Air evaluation end to end on small hand-made data, with the expected AQI
//! computed by hand from HJ 633 (interpolation, then rounding up).

use std::collections::BTreeMap;

use batch::Format;
use batch::air::{AirConfig, AirEdition, AirReport, EditionChoice};

use crate::run_air;

/// One day of constant hourly values (hours labelled 01:00..24:00 by their
/// end) for the given pollutants; returns the daily rows.
fn check(date: &str, values: &[(&str, &str)], config: &AirConfig) -> Vec<BTreeMap<String, String>> {
    let mut input = String::from("station,time,pollutant,value\n");
    for hour in 1..=24 {
        for (pollutant, value) in values {
            input += &format!("S1,{date} {hour:02}:00,{pollutant},{value}\n");
        }
    }
    let run = run_air(input.as_bytes(), config);
    assert_eq!(run.refusals(), vec![]);
    run.rows()
}

fn cells<'a>(row: &'a BTreeMap<String, String>, columns: &[&str]) -> Vec<&'a str> {
    columns.iter().map(|c| row[*c].as_str()).collect()
}

const HEAD: [&str; 8] =
    ["edition", "aqi", "level", "category", "primary", "missing", "publishable", "PM2.5_iaqi"];

#[test]
fn pm25_36_is_iaqi_52_under_2012_rules_in_2025() {
    // HJ 633-2012 table 1: 50 + (100 − 50)(36 − 35)/(75 − 35) = 51.25 → 52.
    let rows = check("2025-06-01", &[("PM2.5", "36")], &AirConfig::default());
    assert_eq!(
        cells(&rows[0], &HEAD),
        ["HJ 633-2012", "52", "2", "良", "PM2.5", "SO2|NO2|PM10|CO|O3_8h|O3_1h", "true", "52"]
    );
    assert_eq!(rows[0]["PM2.5"], "36");
}

#[test]
fn pm25_75_is_iaqi_114_under_2026_rules_on_2026_03_02() {
    // HJ 633-2026 table 3: 100 + (150 − 100)(75 − 60)/(115 − 60) = 113.6… → 114;
    // AQI > 100, so it is published although indicators are missing (5.3.1).
    let rows = check("2026-03-02", &[("PM2.5", "75")], &AirConfig::default());
    assert_eq!(
        cells(&rows[0], &HEAD),
        ["HJ 633-2026", "114", "3", "轻度污染", "PM2.5", "SO2|NO2|PM10|CO|O3_8h", "true", "114"]
    );
    // The same day under a fixed 2012 edition: 100 exactly, level 2.
    let config =
        AirConfig { edition: EditionChoice::Fixed(AirEdition::Hj633_2012), ..AirConfig::default() };
    let rows = check("2026-03-02", &[("PM2.5", "75")], &config);
    assert_eq!(cells(&rows[0], &["edition", "aqi", "primary"]), ["HJ 633-2012", "100", "PM2.5"]);
}

#[test]
fn co_2_2_is_iaqi_55_exactly() {
    // 50 + (100 − 50)(2.2 − 2)/(4 − 2) = 55 exactly (a float would give 56).
    let rows = check("2025-06-01", &[("a21005", "2.2")], &AirConfig::default());
    assert_eq!(cells(&rows[0], &["aqi", "primary", "CO", "CO_iaqi"]), ["55", "CO", "2.2", "55"]);
    // Under HJ 633-2026 with indicators missing and AQI ≤ 100, only the IAQI is published.
    let rows = check("2026-06-01", &[("CO", "2.2")], &AirConfig::default());
    assert_eq!(
        cells(&rows[0], &["aqi", "level", "category", "primary", "publishable", "CO_iaqi"]),
        ["", "", "", "", "false", "55"]
    );
}

#[test]
fn a_full_day_has_every_indicator_and_the_largest_iaqi_is_primary() {
    // 2012: SO2 10 → 10; NO2 40 → 50; PM10 50 → 50; PM2.5 36 → 52; CO 2.2 → 55;
    // O3 100 every hour: MDA8 100 → 50, max 1 h 100 → 50·100/160 = 31.25 → 32.
    let values = [
        ("SO2", "10"),
        ("NO2", "40"),
        ("PM10", "50"),
        ("PM2.5", "36"),
        ("CO", "2.2"),
        ("O3", "100"),
    ];
    let rows = check("2025-06-01", &values, &AirConfig::default());
    let iaqis =
        ["SO2_iaqi", "NO2_iaqi", "PM10_iaqi", "PM2.5_iaqi", "CO_iaqi", "O3_8h_iaqi", "O3_1h_iaqi"];
    assert_eq!(cells(&rows[0], &iaqis), ["10", "50", "50", "52", "55", "50", "32"]);
    assert_eq!(
        cells(&rows[0], &["aqi", "primary", "missing", "O3_8h_windows"]),
        ["55", "CO", "", "17"]
    );
    // At AQI ≤ 50 there is no primary pollutant (HJ 633 3.3).
    let rows = check("2025-06-01", &[("SO2", "10"), ("NO2", "40")], &AirConfig::default());
    assert_eq!(cells(&rows[0], &["aqi", "primary"]), ["50", ""]);
}

#[test]
fn annual_statistics_per_station_year_and_edition_piece() {
    let mut input = String::from("station,time,pollutant,value\n");
    for hour in 1..=24 {
        input += &format!("S1,2026-02-28 {hour:02}:00,PM2.5,36\n");
        input += &format!("S1,2026-03-02 {hour:02}:00,PM2.5,75\n");
    }
    let config = AirConfig { report: AirReport::Annual, ..AirConfig::default() };
    let rows = run_air(input.as_bytes(), &config).rows();
    let pieces: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| {
            cells(r, &["year", "from", "to", "edition", "days", "PM2.5_valid_days", "PM2.5_mean"])
        })
        .collect();
    assert_eq!(
        pieces,
        vec![
            vec!["2026", "2026-01-01", "2026-02-28", "HJ 633-2012", "59", "1", "36"],
            vec!["2026", "2026-03-01", "2026-12-31", "HJ 633-2026", "306", "1", "75"],
        ]
    );
    // Incomplete days count only when AQI > 100 (standards' default): 114 counts, 52 not.
    assert_eq!(cells(&rows[0], &["aqi_days", "good_days"]), ["0", "0"]);
    assert_eq!(cells(&rows[1], &["aqi_days", "over_days", "level_3_days"]), ["1", "1", "1"]);
}

#[test]
fn json_rows_carry_the_csv_columns() {
    let mut input = String::from("station,time,pollutant,value\n");
    for hour in 1..=24 {
        input += &format!("S1,2025-06-01 {hour:02}:00,PM2.5,36\n");
    }
    let config = AirConfig { format: Format::Json, ..AirConfig::default() };
    let run = run_air(input.as_bytes(), &config);
    let json: serde_json::Value = serde_json::from_str(&run.output).unwrap();
    let row = &json[0];
    assert_eq!(row["aqi"], 52);
    assert_eq!(row["primary"], "PM2.5");
    assert_eq!(row["PM2.5"], 36);
    assert_eq!(row["CO"], serde_json::Value::Null);
    assert_eq!(row["publishable"], true);
    let keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), batch::air::daily_header().len());
}
