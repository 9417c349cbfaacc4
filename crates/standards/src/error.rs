//! The crate's single error type.
//!
//! Missing or flagged data is never an error here (STYLE.md, "Errors"): a
//! missing hour, day or sample is a validity state returned with the result.
//! Errors are for input that cannot be parsed into one of our closed sets or
//! numbers at all.

use chrono::{NaiveDate, NaiveDateTime};

/// Everything the standards functions refuse, with the input that caused it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- air (aqi, air, decimal, edition) ----
    /// A concentration below zero; no standard defines an index for it.
    #[error("negative concentration {value}")]
    NegativeConcentration {
        /// The value as given.
        value: String,
    },
    /// A floating-point concentration that is NaN or infinite.
    #[error("concentration is not a finite number: {value}")]
    NonFiniteConcentration {
        /// The value as given.
        value: f64,
    },
    /// A concentration too large for the scaled-integer representation
    /// (above 2 147 483.647 in its unit).
    #[error("concentration {value} is out of range")]
    ConcentrationOutOfRange {
        /// The value as given.
        value: String,
    },
    /// Text that is not a plain decimal number such as `60.5`.
    #[error("not a decimal number: {text:?}")]
    InvalidDecimal {
        /// The text as given.
        text: String,
    },
    /// An hour label that is not on a whole hour.
    #[error("hour label {label} is not on a whole hour")]
    NotWholeHour {
        /// The label as given (Beijing time).
        label: NaiveDateTime,
    },
    /// Station series to be combined do not share start, label or length.
    #[error("station series {index} does not match the first series ({what})")]
    MisalignedSeries {
        /// Index of the offending series.
        index: usize,
        /// What differs: `start`, `label` or `length`.
        what: &'static str,
    },
    /// A period whose end is before its start.
    #[error("period ends {to} before it starts {from}")]
    EmptyPeriod {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// A percentile outside 0..=100.
    #[error("percentile {percent} is outside 0..=100")]
    PercentileOutOfRange {
        /// The percentile as given.
        percent: u8,
    },

    // ---- water, noise and emission ----
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
    /// A fixed, short label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::NegativeConcentration { .. } => "negative_concentration",
            Error::NonFiniteConcentration { .. } => "non_finite_concentration",
            Error::ConcentrationOutOfRange { .. } => "concentration_out_of_range",
            Error::InvalidDecimal { .. } => "invalid_decimal",
            Error::NotWholeHour { .. } => "not_whole_hour",
            Error::MisalignedSeries { .. } => "misaligned_series",
            Error::EmptyPeriod { .. } => "empty_period",
            Error::PercentileOutOfRange { .. } => "percentile_out_of_range",
            Error::UnknownWaterItem { .. } => "unknown_water_item",
            Error::UnknownWaterClass { .. } => "unknown_water_class",
            Error::UnknownNoiseZone { .. } => "unknown_noise_zone",
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_fixed_labels_and_messages_name_the_input() {
        let err = Error::InvalidDecimal { text: "6o".into() };
        assert_eq!(err.reason(), "invalid_decimal");
        assert!(err.to_string().contains("6o"));
        let err = Error::PercentileOutOfRange { percent: 101 };
        assert_eq!(
            (err.reason(), err.to_string().contains("101")),
            ("percentile_out_of_range", true)
        );
    }
}
