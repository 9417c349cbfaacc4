//! Water samples: layouts, non-detects, refusals, sample and period classes.

use std::collections::BTreeMap;

use batch::water::{WaterBody, WaterConfig, WaterPeriod};

use crate::{Run, run_water};

fn check(input: &str, config: &WaterConfig) -> Run {
    run_water(input.as_bytes(), config)
}

fn cells<'a>(row: &'a BTreeMap<String, String>, columns: &[&str]) -> Vec<&'a str> {
    columns.iter().map(|c| row[*c].as_str()).collect()
}

const HEAD: [&str; 6] = ["section", "kind", "time", "class", "deciding", "main_pollutants"];

#[test]
fn a_sample_takes_the_worst_class_of_its_items() {
    // GB 3838-2002 table 1, river: TP 0.2 is III (≤ 0.2), COD 21 is IV (> 20, ≤ 30).
    let long =
        "section,time,item,value\nX1,2025-03-01 10:00,TP,0.2\nX1,2025-03-01 10:00,w01018,21\n";
    let wide = "section,time,TP,COD\nX1,20250301100000,0.2,21\n";
    let (long, wide) = (check(long, &WaterConfig::default()), check(wide, &WaterConfig::default()));
    assert_eq!(long.refusals(), vec![]);
    assert_eq!(long.output, wide.output);
    let rows = long.rows();
    assert_eq!(cells(&rows[0], &HEAD), ["X1", "sample", "2025-03-01 10:00", "IV", "COD", "COD"]);
    assert_eq!(
        cells(&rows[0], &["TP", "TP_class", "COD", "COD_class"]),
        ["0.2", "III", "21", "IV"]
    );
    // In a lake TP 0.2 is V (lake limits 0.01 … 0.2).
    let config = WaterConfig { body: WaterBody::LakeReservoir, ..WaterConfig::default() };
    let rows = check("section,time,TP,COD\nX1,2025-03-01,0.2,21\n", &config).rows();
    assert_eq!(
        cells(&rows[0], &["time", "class", "deciding", "TP_class"]),
        ["2025-03-01 00:00", "V", "TP", "V"]
    );
}

#[test]
fn non_detects_and_worse_than_v() {
    // NH3-N 2.5 > 2.0 (V) is 劣V; Hg below a detection limit of 0.00004 meets class I (0.00005).
    let input = "section,time,NH3-N,Hg,CN\nX1,2025-03-01,2.5,0.00004L,<0.004\n";
    let rows = check(input, &WaterConfig::default()).rows();
    assert_eq!(cells(&rows[0], &["class", "deciding", "NH3-N_class"]), ["劣V", "NH3-N", "劣V"]);
    assert_eq!(
        cells(&rows[0], &["Hg", "Hg_class", "CN", "CN_class"]),
        ["<0.00004", "I", "<0.004", "I"]
    );
}

#[test]
fn every_refusal_names_its_line_and_column() {
    let input = "\
section,time,item,value
X1,2025-03-01,TP,0.1
X1,2025-03-01,TQ,0.1
X1,2025-03-32,TP,0.1
X1,2025-03-01,TP,ND
X1,2025-03-01,TP,-0.1
X1,2025-03-01,TP,abc
,2025-03-01,TP,0.1
X1,2025-03-01,TP
";
    let run = check(input, &WaterConfig::default());
    assert_eq!(
        run.refusals(),
        vec![
            (3, 3, "unknown_water_item"),
            (4, 2, "bad_time"),
            (5, 4, "non_detect_without_limit"),
            (6, 4, "negative_value"),
            (7, 4, "invalid_decimal"),
            (8, 1, "empty_field"),
            (9, 0, "field_count"),
        ]
    );
    assert_eq!((run.summary.n_rows, run.summary.n_refused), (8, 7));
    assert!(run.report.contains("  3:3 (item) unknown_water_item: unknown water item \"TQ\""));
}

#[test]
fn period_classes_follow_the_samples_of_each_section() {
    // March: NH3-N 0.4 and 1.2 → mean 0.8 → III; April: one sample of 1.6 → V.
    let input = "\
section,time,NH3-N
X1,2025-03-01,0.4
X1,2025-03-15,1.2
X1,2025-04-01,1.6
X2,2025-03-01,0.1
";
    let config = WaterConfig { period: Some(WaterPeriod::Month), ..WaterConfig::default() };
    let rows = check(input, &config).rows();
    let got: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| cells(r, &["section", "kind", "time", "n_samples", "class", "NH3-N"]))
        .collect();
    assert_eq!(
        got,
        vec![
            vec!["X1", "sample", "2025-03-01 00:00", "1", "II", "0.4"],
            vec!["X1", "sample", "2025-03-15 00:00", "1", "IV", "1.2"],
            vec!["X1", "sample", "2025-04-01 00:00", "1", "V", "1.6"],
            vec!["X1", "month", "2025-03", "2", "III", "0.8"],
            vec!["X1", "month", "2025-04", "1", "V", "1.6"],
            vec!["X2", "sample", "2025-03-01 00:00", "1", "I", "0.1"],
            vec!["X2", "month", "2025-03", "1", "I", "0.1"],
        ]
    );
}
