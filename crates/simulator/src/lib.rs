//! Seeded virtual HJ 212 devices: the demo's data source and the benchmarks' load.
//!
//! - [`fleet`]: which devices exist, what they measure, their fictional points.
//! - [`signal`]: deterministic values with daily cycles, noise, exceedances,
//!   faults (`D`) and maintenance (`M`).
//! - [`packet`]: uploads as HJ 212 frames, answers as a device reads them.
//! - [`client`]: devices on TCP: send, await 9014, re-send, reconnect.
//!
//! Knows nothing of storage beyond the point kinds; talks to the gateway only
//! over TCP like a real device.

pub mod client;
pub mod fleet;
pub mod packet;
pub mod signal;
