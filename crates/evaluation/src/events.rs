//! What can happen to the evaluator: a closed set of events, each with its log line.

use crate::{Error, PassReport};

/// An event of the evaluation service.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    /// A pass committed results and advanced the watermark.
    PassCommitted(&'a PassReport),
    /// A pass failed; the next one retries from the same watermark.
    PassFailed(&'a Error),
    /// The loop stopped on shutdown.
    Stopped,
}

impl Event<'_> {
    /// Logs the event.
    pub(crate) fn emit(&self) {
        match self {
            Event::PassCommitted(report) => tracing::debug!(
                n_readings = report.n_readings,
                n_results = report.n_results,
                watermark = report.watermark,
                "evaluation pass committed"
            ),
            Event::PassFailed(error) => {
                tracing::warn!(error = %error, reason = error.reason(), "evaluation pass failed")
            }
            Event::Stopped => tracing::info!("evaluator stopped"),
        }
    }
}
