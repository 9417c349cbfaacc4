//! Golden and property tests for the air half of `standards`: AQI (HJ 633)
//! and ambient-air evaluation (GB 3095, HJ 663).
//!
//! Golden tables live in `test_data/aqi_*.csv` and `test_data/air_*.csv`,
//! typed in from the standards, one row per case with its clause.

#![allow(clippy::unwrap_used, reason = "test helpers panic on bad golden data, which is the point")]

mod air_golden;
mod aqi_golden;
mod aqi_props;
mod golden;
mod options;
mod series;
