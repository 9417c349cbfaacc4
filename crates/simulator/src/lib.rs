//! Seeded virtual HJ 212 devices: the demo's data source and the benchmarks' load.
//!
//! - [`fleet`]: which devices exist, what they measure, their fictional points.
//! - [`signal`]: deterministic values with daily cycles, noise, exceedances,
//!   faults (`D`) and maintenance (`M`).
//!
//! Knows nothing of storage beyond the point kinds; talks to the gateway only
//! over TCP like a real device.

pub mod fleet;
pub mod signal;
