//! `batch` tests: one binary, one module per feature.
//!
//! Every test goes through the `check_*` helpers of its module, so that a
//! change of API means a change of one function.

#![allow(clippy::unwrap_used, reason = "test helpers panic on bad test data, which is the point")]

mod air_eval;
mod air_read;
mod golden;
mod water;

use batch::Summary;
use batch::air::{AirConfig, eval_air};
use batch::water::{WaterConfig, eval_water};

/// What one run of a pipeline gave.
pub(crate) struct Run {
    /// The output, as text.
    pub(crate) output: String,
    /// The summary.
    pub(crate) summary: Summary,
    /// The summary as the CLI prints it (all errors).
    pub(crate) report: String,
}

impl Run {
    /// `(line, column, reason)` of every kept error.
    pub(crate) fn refusals(&self) -> Vec<(u64, usize, &'static str)> {
        self.summary.errors.iter().map(|e| (e.line, e.column, e.error.reason())).collect()
    }

    /// The output's CSV rows as maps from column name to cell.
    pub(crate) fn rows(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        let mut lines = self.output.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        lines
            .map(|line| {
                let cells = split_csv_line(line);
                assert_eq!(cells.len(), header.len(), "row {line:?}");
                header.iter().map(|h| h.to_string()).zip(cells).collect()
            })
            .collect()
    }
}

/// Splits one CSV line of our output (quotes only around fields that need them).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
    let record = reader.records().next().unwrap().unwrap();
    record.iter().map(str::to_owned).collect()
}

fn finish(result: batch::Result<Summary>, out: Vec<u8>) -> Run {
    let summary = result.unwrap();
    let mut report = Vec::new();
    summary.write_report(&mut report, usize::MAX).unwrap();
    Run {
        output: String::from_utf8(out).unwrap(),
        summary,
        report: String::from_utf8(report).unwrap(),
    }
}

/// Runs `eval air` on `input`.
pub(crate) fn run_air(input: &[u8], config: &AirConfig) -> Run {
    let mut out = Vec::new();
    let result = eval_air(input, &mut out, config);
    finish(result, out)
}

/// Runs `eval water` on `input`.
pub(crate) fn run_water(input: &[u8], config: &WaterConfig) -> Run {
    let mut out = Vec::new();
    let result = eval_water(input, &mut out, config);
    finish(result, out)
}
