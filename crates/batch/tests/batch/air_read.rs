//! Reading air CSV: layouts, encodings, and every refusal with its line and column.

use batch::Error;
use batch::air::{AirConfig, HourLabel, read_air};

use crate::{Run, run_air};

/// Reads `input` with the defaults (hour-end labels) and evaluates daily.
fn check(input: &str) -> Run {
    run_air(input.as_bytes(), &AirConfig::default())
}

/// Reads `input` and returns the fatal error.
fn check_fatal(input: &str) -> Error {
    match read_air(input.as_bytes(), HourLabel::PeriodEnd, &Default::default()) {
        Ok(_) => panic!("expected the input to be refused as a whole"),
        Err(error) => error,
    }
}

/// A day of one pollutant in the long layout, hours labelled by their end.
fn long_day(station: &str, date: &str, pollutant: &str, value: &str) -> String {
    (1..=24).map(|h| format!("{station},{date} {h:02}:00,{pollutant},{value}\n")).collect()
}

#[test]
fn long_wide_codes_bom_crlf_quotes_and_blank_lines_read_alike() {
    let mut long = String::from("station,time,pollutant,value\n");
    let mut wide = String::from("\u{feff}\"station\",DataTime,a34004,\"a21005\"\r\n\r\n");
    for h in 1..=24 {
        long += &format!("S 1,2025-06-01 {h:02}:00,PM2.5,36\nS 1,2025-06-01 {h:02}:00,CO,2.2\n");
        // YYYYMMDDhhmmss, hour 24 as 240000, quoted fields, a blank line and a `,,,` line.
        wide += &format!("\"S 1\",20250601{h:02}0000,\"36\",2.2\r\n");
        if h == 12 {
            wide += "\r\n,,,\r\n";
        }
    }
    let (long, wide) = (check(&long), check(&wide));
    assert_eq!(long.refusals(), vec![]);
    assert_eq!(wide.refusals(), vec![]);
    assert_eq!((long.summary.n_rows, wide.summary.n_rows), (48, 24));
    assert_eq!((long.summary.n_values, wide.summary.n_values), (48, 48));
    assert_eq!(long.output, wide.output);
    let rows = long.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["station"], "S 1");
    assert_eq!(rows[0]["PM2.5_iaqi"], "52");
    assert_eq!(rows[0]["CO_iaqi"], "55");
}

#[test]
fn every_refusal_names_its_line_and_column() {
    let input = "\
station,time,pollutant,value
S1,2025-06-01 01:00,PM2.5,36
S1,2025-06-01 02:00,PM2.5,abc
S1,2025-06-01 03:00,PM3,36
S1,2025-13-01 04:00,PM2.5,36
S1,2025-06-01 05:30,PM2.5,36
S1,2025-06-01 06:00,PM2.5
,2025-06-01 07:00,PM2.5,36
S1,2025-06-01 01:00,PM2.5,36
S1,2025-06-01 01:00,PM2.5,40
S1,2025-06-01 01:00,PM2.5,36
S1,2025-06-01 08:00,PM2.5,-5
S1,1999-06-01 08:00,PM2.5,5
S1,2025-06-01 09:00,PM2.5,
S1,2025-06-01 10:00,SO2,NA
S1,2025-06-01 11:00,PM2.5,1e3
";
    let run = check(input);
    assert_eq!(
        run.refusals(),
        vec![
            (3, 4, "invalid_decimal"),
            (4, 3, "unknown_pollutant"),
            (5, 2, "bad_time"),
            (6, 2, "not_whole_hour"),
            (7, 0, "field_count"),
            (8, 1, "empty_field"),
            (10, 4, "conflicting_duplicate"),
            (11, 4, "withdrawn_hour"),
            (12, 4, "negative_concentration"),
            (13, 2, "year_out_of_range"),
            (16, 4, "invalid_decimal"),
        ]
    );
    let s = &run.summary;
    assert_eq!((s.n_rows, s.n_refused), (15, 11));
    // Line 2 was accepted, then withdrawn by line 10; line 9 was its identical duplicate.
    assert_eq!((s.n_values, s.n_identical_duplicates, s.n_withdrawn), (0, 1, 1));
    assert!(!s.every_row_refused());
    let report: Vec<&str> = run.report.lines().collect();
    assert_eq!(
        report[0],
        "15 rows read, 11 refused, 0 values accepted, 1 identical duplicates ignored, 1 values withdrawn by conflicts, 0 rows written"
    );
    assert_eq!(report[1], "  3:4 (value) invalid_decimal: not a decimal number: \"abc\"");
    assert_eq!(
        report[7],
        "  10:4 (value) conflicting_duplicate: PM2.5 at S1 2025-06-01 01:00 is 40 here but 36 at line 2: both withdrawn, the hour counts as missing"
    );
    assert_eq!(report[5], "  7:0 field_count: expected 4 fields as in the header, found 3");
    // Nothing is left to evaluate.
    assert_eq!(run.rows().len(), 0);
}

#[test]
fn a_bad_cell_refuses_the_whole_wide_row() {
    let input = "station,time,PM2.5,CO\nS1,2025-06-01 01:00,36,x\nS1,2025-06-01 02:00,36,0.5\n";
    let run = check(input);
    assert_eq!(run.refusals(), vec![(2, 4, "invalid_decimal")]);
    assert_eq!((run.summary.n_rows, run.summary.n_refused, run.summary.n_values), (2, 1, 2));
    assert_eq!(run.rows()[0]["PM2.5_hours"], "1");
}

#[test]
fn every_row_refused_is_reported() {
    let run = check("station,time,pollutant,value\nS1,2025-06-01 01:00,PM2.5,x\n");
    assert!(run.summary.every_row_refused());
    let run = check("station,time,pollutant,value\n");
    assert!(!run.summary.every_row_refused());
    assert_eq!(run.output.lines().count(), 1);
}

#[test]
fn unusable_headers_fail_as_a_whole() {
    let error = check_fatal("station,pollutant,value\n");
    assert_eq!(error.reason(), "missing_column");
    assert_eq!(
        error.to_string(),
        "line 1: missing column \"time\" (the header has: station,pollutant,value)"
    );
    let error = check_fatal("station,time,value\n");
    assert_eq!(error.reason(), "unknown_column");
    assert!(error.to_string().starts_with("line 1, column 3: unknown column \"value\""));
    let error = check_fatal("station,time,PM2.5,a34004\n");
    assert_eq!(error.to_string(), "line 1, column 4: column \"a34004\" appears twice");
    let error = check_fatal("station,time,pollutant,value,flag\n");
    assert_eq!(error.reason(), "unknown_column");
    assert_eq!(check_fatal("").reason(), "empty_input");
    assert_eq!(check_fatal("\n\n").reason(), "empty_input");
}

#[test]
fn hour_labels_decide_the_day() {
    // 24 hours labelled 01:00 .. 24:00: one whole day by their end.
    let input =
        format!("station,time,pollutant,value\n{}", long_day("S1", "2025-06-01", "PM2.5", "36"));
    let end = check(&input).rows();
    assert_eq!(end.len(), 1);
    assert_eq!(end[0]["PM2.5_hours"], "24");
    // Read as hour starts, 01:00 .. 23:00 fall on the 1st and 24:00 on the 2nd.
    let config = AirConfig { hour_label: HourLabel::PeriodStart, ..AirConfig::default() };
    let start = run_air(input.as_bytes(), &config).rows();
    assert_eq!(start.len(), 2);
    assert_eq!((start[0]["date"].as_str(), start[0]["PM2.5_hours"].as_str()), ("2025-06-01", "23"));
    assert_eq!((start[1]["date"].as_str(), start[1]["PM2.5_hours"].as_str()), ("2025-06-02", "1"));
    // 20 hours are enough for a daily mean (GB 3095 table 4), 1 is not.
    assert_eq!(start[0]["PM2.5_iaqi"], "52");
    assert_eq!(start[1]["PM2.5_iaqi"], "");
}

#[test]
fn stations_come_out_sorted_and_days_without_data_stay_missing() {
    let mut input = String::from("station,time,pollutant,value\n");
    input += &long_day("B", "2025-06-03", "PM2.5", "36");
    input += &long_day("A", "2025-06-01", "PM2.5", "36");
    input += &long_day("B", "2025-06-01", "PM2.5", "36");
    let rows = check(&input).rows();
    let keys: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r["station"].as_str(), r["date"].as_str(), r["aqi"].as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("A", "2025-06-01", "52"),
            ("B", "2025-06-01", "52"),
            ("B", "2025-06-02", ""),
            ("B", "2025-06-03", "52"),
        ]
    );
}

#[test]
fn rows_in_any_order_read_alike() {
    let mut lines: Vec<String> = Vec::new();
    for date in ["2025-06-01", "2025-06-02", "2025-06-03"] {
        for pollutant in ["PM2.5", "CO"] {
            lines.extend(long_day("S1", date, pollutant, "1.5").lines().map(str::to_owned));
        }
    }
    let sorted = format!("station,time,pollutant,value\n{}\n", lines.join("\n"));
    lines.reverse();
    let reversed = format!("station,time,pollutant,value\n{}\n", lines.join("\n"));
    let (sorted, reversed) = (check(&sorted), check(&reversed));
    assert_eq!(sorted.rows().len(), 3);
    assert_eq!(sorted.output, reversed.output);
}

#[test]
fn errors_beyond_the_cap_are_counted_not_kept() {
    let mut input = String::from("station,time,pollutant,value\n");
    for hour in 1..=5 {
        input += &format!("S1,2025-06-01 {hour:02}:00,PM2.5,x\n");
    }
    let config =
        AirConfig { read: batch::ReadOptions { max_errors_kept: 2 }, ..AirConfig::default() };
    let run = run_air(input.as_bytes(), &config);
    assert_eq!(run.refusals(), vec![(2, 4, "invalid_decimal"), (3, 4, "invalid_decimal")]);
    assert_eq!((run.summary.n_refused, run.summary.n_errors_dropped), (5, 3));
    assert_eq!(run.report.lines().last(), Some("  … and 3 more errors"));
}
