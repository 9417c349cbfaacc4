//! Everything that can happen in the gateway, each with its log line and counter.
//!
//! [`Event`] is a closed list; [`Metrics::record`] is the one place that turns an
//! event into a `tracing` line and a Prometheus counter, so a refusal can never
//! be logged without being counted or the other way round.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of `qingshan_ingest_packets_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PacketLabels {
    /// `accepted`, `archived`, `refused` or `malformed`.
    pub outcome: &'static str,
    /// A reason label from a closed list, or `none`.
    pub reason: &'static str,
}

/// Labels with one `kind` dimension.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    /// The fixed label.
    pub kind: &'static str,
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCause {
    /// The device closed it.
    PeerClosed,
    /// Nothing was received for `idle_timeout_secs`.
    IdleTimeout,
    /// Too many consecutive refused packets.
    TooManyRefusals,
    /// A socket error.
    IoError,
    /// The gateway is shutting down.
    Shutdown,
}

impl CloseCause {
    /// Fixed label.
    pub fn label(self) -> &'static str {
        match self {
            CloseCause::PeerClosed => "peer_closed",
            CloseCause::IdleTimeout => "idle_timeout",
            CloseCause::TooManyRefusals => "too_many_refusals",
            CloseCause::IoError => "io_error",
            CloseCause::Shutdown => "shutdown",
        }
    }
}

/// What can happen in the gateway.
#[derive(Debug)]
pub enum Event<'a> {
    /// A connection was accepted.
    Connected {
        /// Peer address.
        peer: &'a str,
    },
    /// A connection was closed at accept because `max_connections` are open.
    ConnectionLimit {
        /// Peer address.
        peer: &'a str,
    },
    /// A connection ended.
    Closed {
        /// Peer address.
        peer: &'a str,
        /// MN of the device, if it identified itself.
        mn: Option<&'a str>,
        /// Why.
        cause: CloseCause,
    },
    /// Bytes between packets were skipped while resynchronising on `##`.
    Skipped {
        /// Peer address.
        peer: &'a str,
        /// How many bytes.
        n_bytes: usize,
    },
    /// Bytes that started like a frame were dropped (too long, or never completed).
    Dropped {
        /// Peer address.
        peer: &'a str,
        /// How many bytes.
        n_bytes: usize,
        /// The deframer's reason label.
        reason: &'static str,
    },
    /// A frame could not be decoded.
    Malformed {
        /// Peer address.
        peer: &'a str,
        /// Reason label from the codec.
        reason: &'static str,
        /// The codec's message.
        error: &'a str,
    },
    /// A packet was refused (unknown MN, wrong password …).
    Refused {
        /// Peer address.
        peer: &'a str,
        /// The MN as sent, if any.
        mn: Option<&'a str>,
        /// Reason label.
        reason: &'static str,
    },
    /// A data packet's readings were stored.
    Accepted {
        /// The device.
        mn: &'a str,
        /// Readings newly stored.
        n_inserted: usize,
        /// Readings already stored (resent data).
        n_duplicate: usize,
    },
    /// A non-data packet was archived.
    Archived {
        /// The device.
        mn: &'a str,
        /// Its CN.
        cn: u16,
    },
    /// A packet was accepted with a deviation from the standard.
    Deviation {
        /// The device, if known.
        mn: Option<&'a str>,
        /// Deviation label.
        deviation: &'static str,
    },
    /// An answer (9011/9013/9014 …) was written to a device.
    Answered {
        /// The answer's CN.
        cn: &'static str,
    },
    /// A group commit finished.
    Committed {
        /// Packets in the batch.
        n_packets: usize,
        /// Seconds it took.
        seconds: f64,
    },
    /// A group commit failed; its packets were not acknowledged.
    CommitFailed {
        /// Packets in the batch.
        n_packets: usize,
        /// The store's error.
        error: &'a str,
    },
    /// A device's clock was off and a set-time command was sent.
    ClockCorrected {
        /// The device.
        mn: &'a str,
        /// Device clock minus gateway clock, in seconds.
        drift_secs: i64,
    },
}

/// The gateway's Prometheus metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    packets: Family<PacketLabels, Counter>,
    crc_errors: Counter,
    acks: Family<KindLabels, Counter>,
    readings: Family<KindLabels, Counter>,
    skipped_bytes: Counter,
    connections: Family<KindLabels, Counter>,
    deviations: Family<KindLabels, Counter>,
    connected: Gauge,
    commit_seconds: Histogram,
    batch_packets: Histogram,
    commit_failures: Counter,
    clock_corrections: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            packets: Family::default(),
            crc_errors: Counter::default(),
            acks: Family::default(),
            readings: Family::default(),
            skipped_bytes: Counter::default(),
            connections: Family::default(),
            deviations: Family::default(),
            connected: Gauge::default(),
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            batch_packets: Histogram::new(exponential_buckets(1.0, 2.0, 13)),
            commit_failures: Counter::default(),
            clock_corrections: Counter::default(),
        }
    }
}

impl Metrics {
    /// Creates the metrics and registers them in `registry` under `qingshan_ingest_*`.
    pub fn register(registry: &mut Registry) -> Metrics {
        let metrics = Metrics::default();
        let sub = registry.sub_registry_with_prefix("qingshan_ingest");
        sub.register("packets", "Packets received, by outcome and reason", metrics.packets.clone());
        sub.register("crc_errors", "Frames whose CRC did not match", metrics.crc_errors.clone());
        sub.register("acks", "Answers sent to devices, by CN", metrics.acks.clone());
        sub.register("readings", "Readings stored or found duplicate", metrics.readings.clone());
        sub.register(
            "skipped_bytes",
            "Bytes skipped while resynchronising",
            metrics.skipped_bytes.clone(),
        );
        sub.register("connections", "Connection events", metrics.connections.clone());
        sub.register("deviations", "Packets accepted with a deviation", metrics.deviations.clone());
        sub.register("connected_devices", "Device connections open now", metrics.connected.clone());
        sub.register("commit_seconds", "Group commit latency", metrics.commit_seconds.clone());
        sub.register("batch_packets", "Packets per group commit", metrics.batch_packets.clone());
        sub.register(
            "commit_failures",
            "Group commits that failed",
            metrics.commit_failures.clone(),
        );
        sub.register(
            "clock_corrections",
            "Set-time commands sent",
            metrics.clock_corrections.clone(),
        );
        metrics
    }

    /// Logs `event` and counts it.
    pub fn record(&self, event: Event<'_>) {
        match event {
            Event::Connected { peer } => {
                tracing::debug!(peer, "device connected");
                self.connections.get_or_create(&KindLabels { kind: "connected" }).inc();
                self.connected.inc();
            }
            Event::ConnectionLimit { peer } => {
                tracing::warn!(peer, "connection refused: max_connections reached");
                self.connections.get_or_create(&KindLabels { kind: "limit_exceeded" }).inc();
            }
            Event::Closed { peer, mn, cause } => {
                tracing::debug!(peer, mn, cause = cause.label(), "connection closed");
                self.connections.get_or_create(&KindLabels { kind: cause.label() }).inc();
                self.connected.dec();
            }
            Event::Skipped { peer, n_bytes } => {
                tracing::warn!(peer, n_bytes, "skipped bytes between packets");
                self.skipped_bytes.inc_by(n_bytes as u64);
            }
            Event::Dropped { peer, n_bytes, reason } => {
                tracing::warn!(peer, n_bytes, reason, "dropped an incomplete or oversized frame");
                self.skipped_bytes.inc_by(n_bytes as u64);
                self.packets.get_or_create(&PacketLabels { outcome: "malformed", reason }).inc();
            }
            Event::Malformed { peer, reason, error } => {
                tracing::warn!(peer, reason, error, "malformed packet");
                if reason == "crc_mismatch" {
                    self.crc_errors.inc();
                }
                self.packets.get_or_create(&PacketLabels { outcome: "malformed", reason }).inc();
            }
            Event::Refused { peer, mn, reason } => {
                tracing::warn!(peer, mn, reason, "packet refused");
                self.packets.get_or_create(&PacketLabels { outcome: "refused", reason }).inc();
            }
            Event::Accepted { mn, n_inserted, n_duplicate } => {
                tracing::trace!(mn, n_inserted, n_duplicate, "packet accepted");
                self.packets
                    .get_or_create(&PacketLabels { outcome: "accepted", reason: "none" })
                    .inc();
                self.readings
                    .get_or_create(&KindLabels { kind: "stored" })
                    .inc_by(n_inserted as u64);
                if n_duplicate > 0 {
                    self.readings
                        .get_or_create(&KindLabels { kind: "duplicate" })
                        .inc_by(n_duplicate as u64);
                }
            }
            Event::Archived { mn, cn } => {
                tracing::debug!(mn, cn, "packet archived");
                self.packets
                    .get_or_create(&PacketLabels { outcome: "archived", reason: "none" })
                    .inc();
            }
            Event::Deviation { mn, deviation } => {
                tracing::debug!(mn, deviation, "packet accepted with a deviation");
                self.deviations.get_or_create(&KindLabels { kind: deviation }).inc();
            }
            Event::Answered { cn } => {
                self.acks.get_or_create(&KindLabels { kind: cn }).inc();
            }
            Event::Committed { n_packets, seconds } => {
                self.commit_seconds.observe(seconds);
                self.batch_packets.observe(n_packets as f64);
            }
            Event::CommitFailed { n_packets, error } => {
                tracing::error!(n_packets, error, "group commit failed; packets not acknowledged");
                self.commit_failures.inc();
            }
            Event::ClockCorrected { mn, drift_secs } => {
                tracing::info!(mn, drift_secs, "device clock off; set-time command sent");
                self.clock_corrections.inc();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crc_error_raises_both_counters_by_one() {
        let mut registry = Registry::default();
        let metrics = Metrics::register(&mut registry);
        metrics.record(Event::Malformed { peer: "p", reason: "crc_mismatch", error: "x" });
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(text.contains("qingshan_ingest_crc_errors_total 1"), "{text}");
        assert!(
            text.contains(
                r#"qingshan_ingest_packets_total{outcome="malformed",reason="crc_mismatch"} 1"#
            ),
            "{text}"
        );
    }
}
