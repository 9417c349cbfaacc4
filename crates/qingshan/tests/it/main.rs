//! End-to-end tests: one test binary, one module per feature.

mod kill9;
mod limits;
mod tidy;
mod util;
