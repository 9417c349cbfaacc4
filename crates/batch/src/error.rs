//! The crate's single error type, and a refused row's location.

use std::fmt;

/// Everything `batch` refuses: a whole input (an I/O failure or an unusable
/// header) or one row (returned inside a [`RowError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- the whole input ----
    /// The input could not be read.
    #[error("cannot read the input")]
    Read(#[source] std::io::Error),
    /// The output could not be written.
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
    /// The input has no header line.
    #[error("the input is empty: expected a header line such as {expected:?}")]
    EmptyInput {
        /// An example header.
        expected: &'static str,
    },
    /// A required column is not in the header.
    #[error("line 1: missing column {name:?} (the header has: {found})")]
    MissingColumn {
        /// The column's name.
        name: &'static str,
        /// The header as found, comma-separated.
        found: String,
    },
    /// A header column that is neither a known column nor, in the wide
    /// layout, a pollutant or item name.
    #[error("line 1, column {column}: unknown column {name:?}: expected {expected}")]
    UnknownColumn {
        /// Column number, from 1.
        column: usize,
        /// The name as given.
        name: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The same column (or the same pollutant or item) twice in the header.
    #[error("line 1, column {column}: column {name:?} appears twice")]
    DuplicateColumn {
        /// Column number of the second occurrence, from 1.
        column: usize,
        /// The name as given.
        name: String,
    },

    // ---- one row ----
    /// A row with another number of fields than the header.
    #[error("expected {expected} fields as in the header, found {found}")]
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A required field (station, section or time) is empty.
    #[error("empty {name}")]
    EmptyField {
        /// The column's name.
        name: &'static str,
    },
    /// Text that is not valid UTF-8.
    #[error("not valid UTF-8")]
    NotUtf8,
    /// A pollutant name that is none of the six.
    #[error(
        "unknown pollutant {text:?}: expected SO2, NO2, CO, O3, PM10, PM2.5 or an HJ 212 code (a21026, a21004, a21005, a05024, a34002, a34004)"
    )]
    UnknownPollutant {
        /// The text as given.
        text: String,
    },
    /// A time in neither accepted format.
    #[error(
        "bad time {text:?}: expected Beijing local time YYYY-MM-DD HH:MM[:SS] or YYYYMMDDhhmmss{date_only}"
    )]
    BadTime {
        /// The text as given.
        text: String,
        /// Mentions the date-only forms where they are accepted.
        date_only: &'static str,
    },
    /// An hourly air value whose time is not on a whole hour.
    #[error("time {text:?} is not on a whole hour (hourly values only)")]
    NotWholeHour {
        /// The text as given.
        text: String,
    },
    /// A year outside the range this tool accepts.
    #[error("year {year} is outside 2000..=2099")]
    YearOutOfRange {
        /// The year as given.
        year: i64,
    },
    /// A value the standards refuse (not a number, negative, too large,
    /// unknown water item).
    #[error("{0}")]
    Value(#[from] standards::Error),
    /// A water non-detect written without its detection limit.
    #[error(
        "non-detect {text:?} without a detection limit: write it as <0.01 or 0.01L (the limit decides the class)"
    )]
    NonDetectWithoutLimit {
        /// The text as given.
        text: String,
    },
    /// A negative water result.
    #[error("negative result {text:?} for {item}")]
    NegativeWaterValue {
        /// The text as given.
        text: String,
        /// The item's short name.
        item: &'static str,
    },
    /// The same station, hour and pollutant given twice with different
    /// values. Both are withdrawn: the hour counts as missing.
    #[error(
        "{pollutant} at {station} {time} is {value} here but {other_value} at line {other_line}: both withdrawn, the hour counts as missing"
    )]
    ConflictingDuplicate {
        /// The pollutant's name.
        pollutant: &'static str,
        /// The station.
        station: String,
        /// The time as given in this row.
        time: String,
        /// This row's value.
        value: String,
        /// The earlier value.
        other_value: String,
        /// The earlier row's line.
        other_line: u64,
    },
    /// A further value for a station-hour already withdrawn by a conflict.
    #[error("{pollutant} at {station} {time} was already withdrawn by conflicting rows")]
    WithdrawnHour {
        /// The pollutant's name.
        pollutant: &'static str,
        /// The station.
        station: String,
        /// The time as given in this row.
        time: String,
    },
}

impl Error {
    /// A fixed, short label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Read(_) => "read",
            Error::Write(_) => "write",
            Error::EmptyInput { .. } => "empty_input",
            Error::MissingColumn { .. } => "missing_column",
            Error::UnknownColumn { .. } => "unknown_column",
            Error::DuplicateColumn { .. } => "duplicate_column",
            Error::FieldCount { .. } => "field_count",
            Error::EmptyField { .. } => "empty_field",
            Error::NotUtf8 => "not_utf8",
            Error::UnknownPollutant { .. } => "unknown_pollutant",
            Error::BadTime { .. } => "bad_time",
            Error::NotWholeHour { .. } => "not_whole_hour",
            Error::YearOutOfRange { .. } => "year_out_of_range",
            Error::Value(inner) => inner.reason(),
            Error::NonDetectWithoutLimit { .. } => "non_detect_without_limit",
            Error::NegativeWaterValue { .. } => "negative_value",
            Error::ConflictingDuplicate { .. } => "conflicting_duplicate",
            Error::WithdrawnHour { .. } => "withdrawn_hour",
        }
    }

    /// Turns a `csv` error into a read error (with `ByteRecord` and flexible
    /// rows, the `csv` crate fails only on I/O).
    pub(crate) fn from_csv(error: csv::Error) -> Error {
        match error.into_kind() {
            csv::ErrorKind::Io(io) => Error::Read(io),
            other => Error::Read(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A refused row: where, and why.
#[derive(Debug)]
pub struct RowError {
    /// Line of the row in the input, from 1 (the header is line 1).
    pub line: u64,
    /// Column (field) number, from 1; 0 when the whole row is at fault.
    pub column: usize,
    /// The column's header name; empty when `column` is 0.
    pub column_name: String,
    /// What is wrong.
    pub error: Error,
}

impl fmt::Display for RowError {
    /// `line:column (name) reason: message`, e.g.
    /// `5:4 (value) invalid_decimal: not a decimal number: "abc"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            write!(f, "{}:0 {}: {}", self.line, self.error.reason(), self.error)
        } else {
            write!(
                f,
                "{}:{} ({}) {}: {}",
                self.line,
                self.column,
                self.column_name,
                self.error.reason(),
                self.error
            )
        }
    }
}
