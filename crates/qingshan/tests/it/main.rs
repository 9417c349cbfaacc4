//! End-to-end tests: one test binary, one module per feature.

mod cli;
mod eval;
mod kill9;
mod limits;
mod malformed;
mod tidy;
mod util;
