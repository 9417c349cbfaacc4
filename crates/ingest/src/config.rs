//! The gateway's settings, `[ingest]` in the configuration file.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Settings of the HJ 212 gateway. Every field has a default; unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Address the TCP listener binds, e.g. `0.0.0.0:9212`. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Close a connection that sends nothing for this long.
    pub idle_timeout_secs: u64,
    /// Most device connections open at once; further ones are closed at accept.
    pub max_connections: usize,
    /// Largest data segment accepted, in bytes (the standard says 1024; devices exceed it).
    pub max_segment_bytes: usize,
    /// Sustained packets per second one connection may send; faster senders are
    /// slowed down by not reading from their socket (nothing is dropped).
    pub max_packets_per_sec: u32,
    /// Burst allowance above `max_packets_per_sec` (a device re-sending history).
    pub packet_burst: u32,
    /// A connection is closed after this many consecutive refused packets.
    pub max_consecutive_refusals: u32,
    /// Most packets in one group commit.
    pub batch_max_packets: usize,
    /// Readings whose data time is further than this ahead of the receive time are flagged.
    pub future_tolerance_secs: u64,
    /// A device whose clock (QN) is off by more than this is sent a set-time (1012) command;
    /// 0 disables it.
    pub clock_correct_secs: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 9212)),
            idle_timeout_secs: 600,
            max_connections: 10_000,
            max_segment_bytes: 4096,
            max_packets_per_sec: 200,
            packet_burst: 2000,
            max_consecutive_refusals: 5,
            batch_max_packets: 2048,
            future_tolerance_secs: 600,
            clock_correct_secs: 120,
        }
    }
}
