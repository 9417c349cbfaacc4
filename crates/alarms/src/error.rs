//! The alarm service's errors.

/// What can go wrong in a pass or a delivery.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed; the pass is retried from the same watermark.
    #[error("store error in the alarm service: {0}")]
    Store(#[from] store::Error),
    /// The blocking task running a pass panicked or was cancelled.
    #[error("alarm task failed: {0}")]
    Task(String),
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Store(error) => error.reason(),
            Error::Task(_) => "task_failed",
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
