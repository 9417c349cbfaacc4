//! What can happen to the alarm service: a closed set of events;
//! [`Metrics::record`] turns each into its log line and its counters
//! (`qingshan_alarms_*`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::Error;
use crate::service::PassReport;

/// An event of the alarm service.
#[derive(Debug)]
pub enum Event<'a> {
    /// A pass (`fast` or `full`) ran and committed what it found.
    Pass {
        /// `fast` or `full`.
        path: &'static str,
        /// What it did.
        report: &'a PassReport,
    },
    /// A pass failed; the next one retries from the same watermark.
    PassFailed {
        /// `fast` or `full`.
        path: &'static str,
        /// Why.
        error: &'a Error,
    },
    /// A notification attempt ended.
    Delivery {
        /// The channel's name.
        channel: &'a str,
        /// `delivered`, `retry` or `dead`.
        outcome: &'static str,
        /// The error, if it failed.
        error: Option<&'a str>,
    },
    /// Alarms were escalated.
    Escalated {
        /// How many.
        n_alarms: usize,
    },
}

/// Labels of `qingshan_alarms_passes_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PassLabels {
    /// `fast` or `full`.
    pub path: &'static str,
    /// `committed`, `idle` or `failed`.
    pub outcome: &'static str,
    /// The error's reason label, or `none`.
    pub reason: &'static str,
}

/// Labels of `qingshan_alarms_notifications_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `delivered`, `retry` or `dead`.
    pub outcome: &'static str,
}

/// The alarm service's counters; cheap to clone (shared handles).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    passes: Family<PassLabels, Counter>,
    opened: Counter,
    findings: Counter,
    notifications: Family<DeliveryLabels, Counter>,
    escalated: Counter,
}

impl Metrics {
    /// Creates the metrics and registers them in `registry` under `qingshan_alarms_*`.
    pub fn register(registry: &mut Registry) -> Metrics {
        let metrics = Metrics::default();
        let sub = registry.sub_registry_with_prefix("qingshan_alarms");
        sub.register("passes", "Alarm passes, by path, outcome and reason", metrics.passes.clone());
        sub.register("opened", "Alarms opened", metrics.opened.clone());
        sub.register("findings", "Rule findings recorded", metrics.findings.clone());
        sub.register(
            "notifications",
            "Notification delivery attempts, by outcome",
            metrics.notifications.clone(),
        );
        sub.register("escalated", "Alarms escalated", metrics.escalated.clone());
        metrics
    }

    /// Delivery attempts that ended with `outcome`; for tests.
    pub fn n_deliveries(&self, outcome: &'static str) -> u64 {
        self.notifications.get_or_create(&DeliveryLabels { outcome }).get()
    }

    /// Logs `event` and counts it.
    pub fn record(&self, event: Event<'_>) {
        match event {
            Event::Pass { path, report } => {
                let outcome = if report.n_findings == 0 && report.n_cleared == 0 {
                    "idle"
                } else {
                    "committed"
                };
                if !report.opened.is_empty() {
                    tracing::info!(path, n_opened = report.opened.len(), "alarms opened");
                }
                self.passes.get_or_create(&PassLabels { path, outcome, reason: "none" }).inc();
                self.opened.inc_by(report.opened.len() as u64);
                self.findings.inc_by(report.n_findings as u64);
            }
            Event::PassFailed { path, error } => {
                tracing::warn!(path, error = %error, reason = error.reason(), "alarm pass failed");
                self.passes
                    .get_or_create(&PassLabels { path, outcome: "failed", reason: error.reason() })
                    .inc();
            }
            Event::Delivery { channel, outcome, error } => {
                match error {
                    Some(error) => tracing::warn!(channel, outcome, error, "notification failed"),
                    None => tracing::debug!(channel, outcome, "notification delivered"),
                }
                self.notifications.get_or_create(&DeliveryLabels { outcome }).inc();
            }
            Event::Escalated { n_alarms } => {
                tracing::info!(n_alarms, "alarms escalated");
                self.escalated.inc_by(n_alarms as u64);
            }
        }
    }
}
