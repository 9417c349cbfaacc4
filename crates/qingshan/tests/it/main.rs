//! End-to-end tests: one test binary, one module per feature.

// Test helpers may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod alarms;
mod browser;
mod case;
mod cli;
mod derived;
mod eval;
mod evidence;
mod gateways;
mod kill9;
mod limits;
mod malformed;
mod migrate;
mod plan;
mod postgres;
mod registry;
mod tidy;
mod util;
