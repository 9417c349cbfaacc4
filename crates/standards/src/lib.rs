//! The national environmental standards as pure functions.
//!
//! Modules: [`aqi`] (HJ 633), [`air`] (GB 3095 / HJ 663 evaluation),
//! [`water`] (GB 3838 and the 2011 evaluation method), [`noise`] (GB 3096),
//! [`emission`] (permit-limit exceedance). No I/O, no clock, no knowledge of
//! HJ 212 or storage; every public item cites its clause.

pub mod air;
pub mod aqi;
pub mod emission;
pub mod error;
pub mod noise;
pub mod water;

pub use error::{Error, Result};
