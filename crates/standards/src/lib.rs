//! The national environmental standards as pure functions.
//!
//! Modules: [`aqi`] (HJ 633), [`air`] (GB 3095 / HJ 663 evaluation),
//! [`water`] (GB 3838 and the 2011 evaluation method), [`noise`] (GB 3096),
//! [`emission`] (permit-limit exceedance). No I/O, no clock, no knowledge of
//! HJ 212 or storage; every public item cites its clause.
//! [`edition`] says which dated edition of an air standard applies;
//! [`decimal`] holds the exact scaled-integer concentrations; [`error`] the
//! crate's single error type.

pub mod air;
pub mod aqi;
pub mod decimal;
pub mod edition;
pub mod emission;
pub mod error;
pub mod noise;
pub mod water;

pub use error::{Error, Result};
