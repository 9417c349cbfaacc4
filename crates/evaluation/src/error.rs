//! The evaluation service's errors.

/// What can go wrong in an evaluation pass.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed; the pass is retried from the same watermark.
    #[error("store error during evaluation: {0}")]
    Store(#[from] store::Error),
    /// A standard refused its input (a programming error on our side: inputs are checked).
    #[error("standards error during evaluation: {0}")]
    Standards(#[from] standards::Error),
    /// A range of days asked of an area evaluation is empty or too long.
    #[error("the range {from}..={to} must hold 1 to {max_days} days")]
    Range {
        /// First day asked.
        from: chrono::NaiveDate,
        /// Last day asked.
        to: chrono::NaiveDate,
        /// The most days allowed.
        max_days: i64,
    },
    /// The blocking task running a pass panicked or was cancelled.
    #[error("evaluation task failed: {0}")]
    Task(String),
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Store(error) => error.reason(),
            Error::Standards(error) => error.reason(),
            Error::Range { .. } => "range",
            Error::Task(_) => "task_failed",
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
