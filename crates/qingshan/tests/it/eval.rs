//! `qingshan eval air|water` as an analyst runs it: a CSV file in a temp dir.

#![allow(clippy::unwrap_used, reason = "test helpers panic on a failed run, which is the point")]

use std::process::Command;

/// What one run gave.
struct Eval {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    /// The `--output` file's text, when one was asked for.
    output_file: Option<String>,
}

/// Writes `csv` to `input.csv` in a temp dir and runs `qingshan eval <args>
/// --input input.csv`; `{out}` in `args` becomes a path in the temp dir.
fn check(args: &[&str], csv: &str) -> Eval {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let args: Vec<String> =
        args.iter().map(|a| a.replace("{out}", &out.to_string_lossy())).collect();
    let output = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .arg("eval")
        .args(&args)
        .arg("--input")
        .arg(&input)
        .output()
        .unwrap();
    Eval {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code(),
        output_file: std::fs::read_to_string(&out).ok(),
    }
}

/// A day of PM2.5 and CO in the long layout, labelled by the hour's end.
fn air_day(date: &str, pm25: &str, co: &str) -> String {
    (1..=24)
        .map(|h| format!("S1,{date} {h:02}:00,PM2.5,{pm25}\nS1,{date} {h:02}:00,a21005,{co}\n"))
        .collect()
}

#[test]
fn eval_air_writes_daily_csv_and_a_refusal_summary() {
    let mut csv = String::from("station,time,pollutant,value\n");
    csv += &air_day("2025-06-01", "36", "2.2");
    csv += "S1,2025-06-01 05:00,PM3,1\nS1,2025-06-01 06:30,PM2.5,36\n";
    let run = check(&["air"], &csv);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(
            "station,date,edition,aqi,level,category,primary,missing,publishable,SO2,SO2_iaqi,"
        ),
        "{header}"
    );
    for column in ["PM2.5", "PM2.5_iaqi", "CO", "CO_iaqi", "O3_8h_iaqi", "O3_1h_iaqi"] {
        assert!(header.split(',').any(|c| c == column), "{column} in {header}");
    }
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    // PM2.5 36 → 52, CO 2.2 → 55 under HJ 633-2012: AQI 55, primary CO.
    assert_eq!(&row[..7], ["S1", "2025-06-01", "HJ 633-2012", "55", "2", "良", "CO"]);
    assert_eq!(lines.next(), None);
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert!(stderr[0].starts_with("50 rows read, 2 refused, 48 values accepted"), "{}", run.stderr);
    assert!(stderr[1].starts_with("  50:3 (pollutant) unknown_pollutant: "), "{}", run.stderr);
    assert!(stderr[2].starts_with("  51:2 (time) not_whole_hour: "), "{}", run.stderr);
}

#[test]
fn eval_air_json_to_a_file_with_a_fixed_edition_and_hour_starts() {
    let mut csv = String::from("station,time,pollutant,value\n");
    for h in 0..24 {
        csv += &format!("S1,2026-03-02 {h:02}:00,PM2.5,75\n");
    }
    let run = check(
        &[
            "air",
            "--format",
            "json",
            "--output",
            "{out}",
            "--hour-label",
            "start",
            "--edition",
            "2026",
        ],
        &csv,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let json: serde_json::Value = serde_json::from_str(&run.output_file.unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["date"], "2026-03-02");
    assert_eq!(json[0]["edition"], "HJ 633-2026");
    assert_eq!(json[0]["aqi"], 114);
    assert_eq!(json[0]["PM2.5_hours"], 24);
}

#[test]
fn eval_air_annual_writes_period_statistics() {
    let csv = format!("station,time,pollutant,value\n{}", air_day("2025-06-01", "36", "2.2"));
    let run = check(&["air", "--annual"], &csv);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with("station,year,from,to,edition,limits,days,"));
    assert!(lines[1].starts_with("S1,2025,2025-01-01,2025-12-31,HJ 633-2012,GB 3095-2012,365,"));
}

#[test]
fn eval_fails_when_every_row_is_refused_or_the_header_is_unusable() {
    let run = check(&["air"], "station,time,pollutant,value\nS1,2025-06-01 01:00,PM2.5,x\n");
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("1 rows read, 1 refused"), "{}", run.stderr);
    assert!(run.stderr.contains("error: every one of the 1 rows was refused"), "{}", run.stderr);
    let run = check(&["air"], "station,pollutant,value\n");
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("missing column \"time\""), "{}", run.stderr);
}

#[test]
fn eval_water_writes_sample_and_period_classes() {
    let csv = "\
section,time,item,value
X1,2025-03-01 10:00,TP,0.2
X1,2025-03-01 10:00,COD,21
X1,2025-03-20 10:00,TP,0.3
X1,2025-03-20 10:00,COD,x
";
    let run = check(&["water", "--period", "month"], csv);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "section,kind,time,n_samples,class,deciding,main_pollutants,missing,unjudged,COD,COD_class,TP,TP_class"
    );
    assert!(lines[1].starts_with("X1,sample,2025-03-01 10:00,1,IV,COD,COD,"), "{}", run.stdout);
    assert!(lines[2].starts_with("X1,sample,2025-03-20 10:00,1,IV,TP,TP,"), "{}", run.stdout);
    // March means: TP 0.25 (IV), COD 21 (IV).
    assert!(lines[3].starts_with("X1,month,2025-03,2,IV,COD|TP,"), "{}", run.stdout);
    assert!(lines[3].ends_with(",21,IV,0.25,IV"), "{}", run.stdout);
    assert!(run.stderr.contains("  5:4 (value) invalid_decimal"), "{}", run.stderr);
    // In a lake TP 0.2 is class V.
    let run = check(&["water", "--body", "lake"], csv);
    assert!(run.stdout.lines().nth(1).unwrap().starts_with("X1,sample,2025-03-01 10:00,1,V,TP,"));
}

#[test]
fn eval_air_help_documents_the_layout_and_the_hour_label() {
    let output = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["eval", "air", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in
        ["station,time,pollutant,value", "a34004", "--hour-label", "HJ 212 DataTime", "EXIT CODE"]
    {
        assert!(help.contains(needle), "{needle} in\n{help}");
    }
}

#[test]
fn eval_reads_standard_input_when_the_input_is_a_dash() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["eval", "water", "--input", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"section,time,NH3-N\nX1,2025-03-01,2.5\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["class"], "劣V");
    assert_eq!(json[0]["NH3-N"], 2.5);
    assert_eq!(json[0]["unjudged"], serde_json::Value::Null);
}
