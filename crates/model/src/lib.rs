//! Qingshan's vocabulary, shared by every service crate.
//!
//! - [`time`]: stored instants are UTC ([`time::Instant`]); HJ 212 and the
//!   standards' calendar days are Beijing local time ([`time::BeijingTime`]).
//!   The wall clock is read only through [`time::Clock`].
//! - [`ids`]: validated newtypes for device ids ([`ids::Mn`]) and parameter
//!   codes ([`ids::ParamCode`]), and the numeric ids of stored entities.
//! - [`registry`]: the registry's vocabulary: the credit code [`registry::Uscc`]
//!   and the closed code sets of registry records.
//! - [`alarm`]: alarm rules, severities and the lifecycle (open → acknowledged → closed).
//! - [`reading`]: one measured value set and its identity
//!   ([`reading::ReadingKey`]): what makes two packets "the same data".
//!
//! - [`account`]: roles ([`account::Role`]), users and the password rule.
//!
//! This crate does no I/O and never panics on input. Apart from
//! [`time::SystemClock`], it reads no clock.

pub mod account;
pub mod alarm;
pub mod ids;
pub mod reading;
pub mod registry;
pub mod time;

pub use ids::{DeviceId, Mn, ParamCode, PointId};
pub use reading::{DataKind, Reading, ReadingKey, ReadingValues};
pub use registry::{InvalidUscc, Uscc};
pub use time::{BeijingTime, Clock, Instant, SystemClock};

/// Errors raised when text does not form one of this crate's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A device id (MN) that is empty, too long or has a character outside `0-9A-Za-z_-`.
    #[error("invalid MN {found:?}: {why}")]
    InvalidMn {
        /// The text that was given.
        found: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A parameter code that is empty, too long or has a character outside `0-9A-Za-z_.`.
    #[error("invalid parameter code {found:?}: {why}")]
    InvalidParamCode {
        /// The text that was given.
        found: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A Beijing local time that does not parse as `YYYYMMDDhhmmss[zzz]`.
    #[error("invalid Beijing time {found:?}: expected YYYYMMDDhhmmss")]
    InvalidTime {
        /// The text that was given.
        found: String,
    },
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::InvalidMn { .. } => "invalid_mn",
            Error::InvalidParamCode { .. } => "invalid_param_code",
            Error::InvalidTime { .. } => "invalid_time",
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
