//! What can happen to the evaluator: a closed set of events; [`Metrics::record`]
//! turns each into its log line and its counters (`qingshan_evaluation_*`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::{Error, PassReport};

/// An event of the evaluation service.
#[derive(Debug)]
pub enum Event<'a> {
    /// A pass committed results and advanced the watermark (or found nothing new).
    PassCommitted(&'a PassReport),
    /// A pass failed; the next one retries from the same watermark.
    PassFailed(&'a Error),
    /// The loop stopped on shutdown.
    Stopped,
}

/// Labels of `qingshan_evaluation_passes_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PassLabels {
    /// `committed`, `idle` (nothing new) or `failed`.
    pub outcome: &'static str,
    /// The error's reason label, or `none`.
    pub reason: &'static str,
}

/// The evaluator's counters; cheap to clone (shared handles).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    passes: Family<PassLabels, Counter>,
    results: Counter,
    watermark: Gauge,
}

impl Metrics {
    /// Creates the metrics and registers them in `registry` under `qingshan_evaluation_*`.
    pub fn register(registry: &mut Registry) -> Metrics {
        let metrics = Metrics::default();
        let sub = registry.sub_registry_with_prefix("qingshan_evaluation");
        sub.register("passes", "Evaluation passes, by outcome and reason", metrics.passes.clone());
        sub.register("results", "Derived results upserted", metrics.results.clone());
        sub.register(
            "watermark",
            "Highest raw packet id whose readings are evaluated",
            metrics.watermark.clone(),
        );
        metrics
    }

    /// How many passes ended with `outcome` (and `reason`); for tests.
    pub fn n_passes(&self, outcome: &'static str, reason: &'static str) -> u64 {
        self.passes.get_or_create(&PassLabels { outcome, reason }).get()
    }

    /// Logs `event` and counts it.
    pub fn record(&self, event: Event<'_>) {
        match event {
            Event::PassCommitted(report) => {
                let outcome =
                    if report.n_readings == 0 && !report.more { "idle" } else { "committed" };
                if outcome == "committed" {
                    tracing::debug!(
                        n_readings = report.n_readings,
                        n_results = report.n_results,
                        watermark = report.watermark,
                        "evaluation pass committed"
                    );
                }
                self.passes.get_or_create(&PassLabels { outcome, reason: "none" }).inc();
                self.results.inc_by(report.n_results as u64);
                self.watermark.set(report.watermark);
            }
            Event::PassFailed(error) => {
                tracing::warn!(error = %error, reason = error.reason(), "evaluation pass failed");
                self.passes
                    .get_or_create(&PassLabels { outcome: "failed", reason: error.reason() })
                    .inc();
            }
            Event::Stopped => tracing::info!("evaluator stopped"),
        }
    }
}
