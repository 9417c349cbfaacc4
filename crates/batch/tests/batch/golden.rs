//! Golden files: each `test_data/<kind>_*.csv` is evaluated and its output
//! and summary compared with `test_data/<name>.out` (output we author:
//! regenerate with `UPDATE_EXPECT=1 cargo test -p batch`, then review).
//!
//! The kind is the file name's prefix: `air_daily_`, `air_annual_`,
//! `air_start_` (hour-start labels, daily), `water_`, `water_month_`
//! (with month classes).

use std::path::PathBuf;

use batch::air::{AirConfig, AirReport, HourLabel};
use batch::water::{WaterConfig, WaterPeriod};

use crate::{Run, run_air, run_water};

fn check(name: &str, input: &[u8]) -> Run {
    if name.starts_with("air_annual_") {
        run_air(input, &AirConfig { report: AirReport::Annual, ..AirConfig::default() })
    } else if name.starts_with("air_start_") {
        run_air(input, &AirConfig { hour_label: HourLabel::PeriodStart, ..AirConfig::default() })
    } else if name.starts_with("air_daily_") {
        run_air(input, &AirConfig::default())
    } else if name.starts_with("water_month_") {
        run_water(
            input,
            &WaterConfig { period: Some(WaterPeriod::Month), ..WaterConfig::default() },
        )
    } else if name.starts_with("water_") {
        run_water(input, &WaterConfig::default())
    } else {
        panic!("{name}: unknown golden kind")
    }
}

#[test]
fn golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let mut n_files = 0;
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).unwrap();
        let run = check(&name, &input);
        let actual = format!("{}--- summary\n{}", run.output, run.report);
        expect_test::expect_file![path.with_extension("out")].assert_eq(&actual);
        n_files += 1;
    }
    assert!(n_files >= 4, "golden files missing in {}", dir.display());
}
