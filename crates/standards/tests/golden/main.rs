//! Golden tables typed in from the standards (`test_data/*.csv`), one row
//! per case with its clause, and property tests.

// Test helpers outside `#[test]` functions unwrap typed-in table cells: a
// bad cell is a broken table and should fail loudly.
#![allow(clippy::unwrap_used)]

mod emission;
mod noise;
mod properties;
mod serde_shapes;
mod table;
mod water;
