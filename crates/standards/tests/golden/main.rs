//! Golden tables typed in from the standards (`test_data/*.csv`), one row
//! per case with its clause, and property tests.

mod emission;
mod noise;
mod properties;
mod table;
mod water;
