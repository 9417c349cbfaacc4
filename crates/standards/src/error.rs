//! The crate's one error type.
//!
//! Missing or flagged data is never an error in this crate: it is a state
//! returned with the result (validity, counts). Errors are only for text that
//! cannot be parsed into one of our closed sets or numbers.

/// Every error of the `standards` crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // Water, noise and emission.
    /// A decimal number could not be parsed (see [`crate::water::Decimal::parse`]).
    #[error("invalid decimal number {input:?}: expected digits with an optional sign and point")]
    InvalidDecimal {
        /// The text that was given.
        input: String,
    },
    /// A water item name is neither a short name nor an HJ 212 code
    /// (see [`crate::water::WaterItem::parse`]).
    #[error(
        "unknown water item {input:?}: expected a short name such as `NH3-N` or an HJ 212 code such as `w21003`"
    )]
    UnknownWaterItem {
        /// The text that was given.
        input: String,
    },
    /// A water class label is not one of I, II, III, IV, V, 劣V
    /// (see [`crate::water::WaterClass::parse`]).
    #[error("unknown water class {input:?}: expected I, II, III, IV, V or 劣V")]
    UnknownWaterClass {
        /// The text that was given.
        input: String,
    },
    /// A noise functional zone is not one of 0, 1, 2, 3, 4a, 4b
    /// (see [`crate::noise::NoiseZone::parse`]).
    #[error("unknown noise zone {input:?}: expected 0, 1, 2, 3, 4a or 4b")]
    UnknownNoiseZone {
        /// The text that was given.
        input: String,
    },
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::InvalidDecimal { .. } => "invalid_decimal",
            Error::UnknownWaterItem { .. } => "unknown_water_item",
            Error::UnknownWaterClass { .. } => "unknown_water_class",
            Error::UnknownNoiseZone { .. } => "unknown_noise_zone",
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
