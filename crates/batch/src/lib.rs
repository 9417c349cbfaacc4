//! Batch evaluation of CSV data for analysts: hourly air data to daily AQI
//! or annual statistics, water samples to sample and period classes.
//!
//! Input comes from any [`std::io::BufRead`] and output goes to any
//! [`std::io::Write`]: this crate opens no file and reads no argument or
//! environment variable (only the `qingshan` binary does). Every standard
//! rule comes from the `standards` crate; this crate only reads, groups and
//! writes.
//!
//! - [`air::eval_air`]: `qingshan eval air`.
//! - [`water::eval_water`]: `qingshan eval water`.
//!
//! # Input CSV
//!
//! UTF-8 with an optional BOM, comma-separated, `"`-quoted fields allowed,
//! LF or CRLF line ends. The first non-blank line is the header; header
//! names are matched ignoring ASCII case and surrounding spaces. Blank lines
//! and lines of empty fields (`,,,`) are skipped and not counted.
//! Times are Beijing local time, `YYYY-MM-DD HH:MM[:SS]` (or with `T` for
//! the space) or `YYYYMMDDhhmmss`, years 2000–2099; `24:00` is midnight at
//! the end of the day. Water also accepts a date alone (`YYYY-MM-DD`,
//! `YYYYMMDD`), meaning 00:00.
//!
//! ## Air
//!
//! Long layout, one value per row:
//!
//! ```text
//! station,time,pollutant,value
//! S1,2025-01-01 01:00,PM2.5,36
//! S1,2025-01-01 01:00,a21005,0.8
//! ```
//!
//! Wide layout, one column per pollutant (any subset, any order):
//!
//! ```text
//! station,time,SO2,NO2,CO,O3,PM10,PM2.5
//! S1,2025-01-01 01:00,8,30,0.8,40,60,36
//! ```
//!
//! Pollutants are named `SO2`, `NO2`, `CO`, `O3`, `PM10`, `PM2.5` (also
//! `PM25`) or by their HJ 212 codes `a21026`, `a21004`, `a21005`, `a05024`,
//! `a34002`, `a34004`. Values are hourly means in µg/m³ (CO in mg/m³) as
//! plain decimals; an empty value or `NA` is a missing hour (not an error).
//! `station` may also be called `mn`, `time` `DataTime`, `pollutant` `code`.
//!
//! Times are hourly labels, by default the **end** of the hour
//! ([`standards::edition::HourLabel::PeriodEnd`], the national publishing
//! convention: `01:00` is the hour 00:00–01:00, `24:00` or the next day's
//! `00:00` the last hour of a day). HJ 212 data labels the **start** of the
//! hour: choose [`standards::edition::HourLabel::PeriodStart`]
//! (`--hour-label start`). A time not on a whole hour is refused.
//!
//! ## Water
//!
//! Long `section,time,item,value` or wide `section,time,<item>...`; items by
//! their short names (`pH`, `WT`, `DO`, `CODMn`, `COD`, `BOD5`, `NH3-N`,
//! `TP`, `TN`, `Cu`, `Zn`, `F`, `Se`, `As`, `Hg`, `Cd`, `Cr6`, `Pb`, `CN`,
//! `Phenol`, `Oil`, `LAS`, `S2-`, `FC`, `SO4`, `Cl`, `NO3-N`, `Fe`, `Mn`)
//! or HJ 212 codes (`w21003` …), as [`standards::water::WaterItem::parse`]
//! accepts them. A value below the detection limit is written `<0.01` or
//! `0.01L`; a bare `ND` is refused (the limit decides the class). The rows
//! of one section and time form one sample.
//!
//! # Refused rows
//!
//! A row is refused as a whole when any of its fields is bad: a wrong
//! number of fields, an empty station or time, a bad time, an unknown
//! pollutant or item, a value that is not a non-negative decimal. No value
//! of a refused row is used. Every refusal is kept in
//! [`input::Summary::errors`] with its line and column (a
//! [`error::RowError`]), up to [`input::ReadOptions::max_errors_kept`].
//!
//! Air duplicates: the same station, hour and pollutant again with the
//! **same** value is accepted once (counted in
//! [`input::Summary::n_identical_duplicates`]); with a **different** value,
//! neither can be trusted, so the later row is refused and the earlier
//! value withdrawn: that hour counts as missing, and any further value for
//! it is refused too. Water duplicates (an item twice in one sample) are
//! kept: `standards` judges both and the worse counts.
//!
//! An input with an unusable header, or that cannot be read, fails as a
//! whole with an [`Error`].
//!
//! # Output
//!
//! CSV with a header line, or JSON: an array of objects keyed by the same
//! column names, `null` for an empty cell. See [`air::daily_header`],
//! [`air::annual_header`] and [`water::water_header`] for the columns.
//!
//! Daily air rows: `station,date,edition,aqi,level,category,primary,
//! missing,publishable`, then for each indicator `SO2, NO2, PM10, PM2.5,
//! CO, O3_8h, O3_1h` its value (the daily statistic after the edition's
//! input rounding, exact to 0.001) and `<indicator>_iaqi`, then the valid
//! hours per pollutant and the O3 8-hour windows. `primary` and `missing`
//! are indicator names joined by `|`; `primary` is empty when AQI ≤ 50.
//! Under HJ 633-2026 5.3.1 an AQI with a missing indicator is published only
//! when above 100: otherwise `aqi`, `level`, `category` and `primary` are
//! empty and `publishable` is false (the IAQIs are still given).
//!
//! ```
//! use batch::air::{AirConfig, eval_air};
//!
//! let mut csv = String::from("station,time,pollutant,value\n");
//! for hour in 1..=24 {
//!     csv += &format!("S1,2025-06-01 {hour:02}:00,PM2.5,36\n");
//! }
//! let mut out = Vec::new();
//! let summary = eval_air(csv.as_bytes(), &mut out, &AirConfig::default()).unwrap();
//! assert_eq!((summary.n_rows, summary.n_refused), (24, 0));
//! let out = String::from_utf8(out).unwrap();
//! // PM2.5 36 µg/m³ under HJ 633-2012: IAQI 52, primary PM2.5.
//! assert!(out.lines().nth(1).unwrap().starts_with("S1,2025-06-01,HJ 633-2012,52,2,良,PM2.5,"));
//! ```

pub mod air;
pub mod error;
pub mod input;
pub mod output;
pub mod water;

pub use error::{Error, Result, RowError};
pub use input::{ReadOptions, Summary};
pub use output::Format;
