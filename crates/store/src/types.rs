//! The values that cross the [`crate::Store`] interface.

use model::{DeviceId, Instant, Mn, ParamCode, PointId, Reading};
use serde::{Deserialize, Serialize};

/// Errors from the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database reported an error.
    #[error("database error during {during}: {source}")]
    Database {
        /// What the store was doing.
        during: &'static str,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database file's schema is newer than this program.
    #[error("database schema version {found} is newer than this program supports ({supported})")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this program knows.
        supported: i64,
    },
    /// A stored value could not be read back as the type it should be.
    #[error("corrupt stored value in {table}.{column}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A referenced entity does not exist.
    #[error("{entity} {id} does not exist")]
    NotFound {
        /// The kind of entity.
        entity: &'static str,
        /// Its id or code.
        id: String,
    },
    /// An alarm lifecycle rule refused the change (an illegal transition, a missing note).
    #[error(transparent)]
    Alarm(#[from] crate::AlarmError),
    /// A correction of a reading was refused (no reason, nothing changed).
    #[error(transparent)]
    Correction(#[from] crate::CorrectionError),
    /// An entity with this unique name exists already.
    #[error("{entity} {id} exists already")]
    AlreadyExists {
        /// The kind of entity.
        entity: &'static str,
        /// Its name.
        id: String,
    },
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Database { .. } => "database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Corrupt { .. } => "corrupt",
            Error::NotFound { .. } => "not_found",
            Error::Alarm(crate::AlarmError::Transition(_)) => "invalid_transition",
            Error::Alarm(crate::AlarmError::NoteRequired) => "note_required",
            Error::Alarm(crate::AlarmError::AssigneeRequired) => "assignee_required",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Correction(crate::CorrectionError::ReasonRequired) => "reason_required",
            Error::Correction(crate::CorrectionError::Unchanged { .. }) => "unchanged",
            Error::Correction(crate::CorrectionError::Stale { .. }) => "stale",
            Error::Correction(crate::CorrectionError::UnknownField { .. }) => "unknown_field",
            Error::Correction(crate::CorrectionError::BadValue { .. }) => "bad_value",
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the gateway decided about a received packet; archived with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Accepted: its readings (if any) were stored with it.
    Accepted,
    /// Accepted, but not a data upload we store readings for (an unknown or
    /// non-data CN, a heartbeat, an answer): archived and answered as the standard says.
    Archived,
    /// Refused; nothing from it is stored as measurement data.
    Refused {
        /// A fixed label from a closed list (e.g. `unknown_mn`, `wrong_password`).
        reason: String,
    },
    /// Could not be decoded.
    Malformed {
        /// A fixed label from the codec's error list (e.g. `crc_mismatch`).
        reason: String,
    },
}

impl Verdict {
    /// The stored label: `accepted`, `archived`, `refused` or `malformed`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Archived => "archived",
            Verdict::Refused { .. } => "refused",
            Verdict::Malformed { .. } => "malformed",
        }
    }

    /// The reason label for refused and malformed packets.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Refused { reason } | Verdict::Malformed { reason } => Some(reason),
            _ => None,
        }
    }
}

/// A received packet as archived evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawPacket {
    /// The bytes exactly as received (the whole frame, `##` to CRLF).
    pub bytes: Vec<u8>,
    /// When the gateway received it.
    pub received_at: Instant,
    /// The peer's socket address, e.g. `127.0.0.1:50312`.
    pub peer: String,
    /// The MN as sent, if one could be read (even when unknown).
    pub mn: Option<String>,
    /// The registered device it came from, if any.
    pub device: Option<DeviceId>,
    /// The CN as sent, if one could be read.
    pub cn: Option<u16>,
    /// The gateway's verdict.
    pub verdict: Verdict,
    /// Deviations from the standard the packet was accepted with (labels).
    pub deviations: Vec<String>,
}

/// A raw packet together with the readings decoded from it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingPacket {
    /// The evidence.
    pub raw: RawPacket,
    /// The readings it carried (empty unless `raw.verdict` is `Accepted`).
    pub readings: Vec<Reading>,
}

/// A device was seen on a connection.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSighting {
    /// The device.
    pub device: DeviceId,
    /// When.
    pub at: Instant,
    /// From where.
    pub peer: String,
    /// The data time of the newest reading in the batch from this device, if any.
    pub latest_data_time: Option<Instant>,
}

/// One entry of the audit log: who did what to which thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it happened.
    pub at: Instant,
    /// Who did it: a user name, `device:<MN>` or `system`.
    pub actor: String,
    /// A fixed action label, e.g. `device_refused`, `device_created`.
    pub action: String,
    /// What it was done to, e.g. `device:<MN>`.
    pub subject: String,
    /// Details as JSON (before/after for changes, reason for refusals).
    pub detail: serde_json::Value,
}

/// Everything one group commit writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestBatch {
    /// The packets, in the order received.
    pub packets: Vec<IncomingPacket>,
    /// Devices seen in this batch (last-seen status).
    pub sightings: Vec<DeviceSighting>,
    /// Audit entries (refusals and the like).
    pub audit: Vec<AuditEntry>,
    /// Connection log events (connect, login, disconnect, refusal).
    pub connections: Vec<ConnectionEvent>,
}

/// What happened on a device connection; kept in the connection log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionEvent {
    /// When.
    pub at: Instant,
    /// The peer's socket address.
    pub peer: String,
    /// The MN, once known.
    pub mn: Option<String>,
    /// A fixed label: `connected`, `authenticated`, `refused`, `closed`, `idle_timeout`, `limit_exceeded`.
    pub event: String,
    /// Free-text detail (a refusal reason, a close cause).
    pub detail: String,
}

/// What happened to one packet of a committed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketOutcome {
    /// The archive id of the raw packet.
    pub raw_id: i64,
    /// Readings newly stored.
    pub n_inserted: usize,
    /// Readings skipped because their key was stored already.
    pub n_duplicate: usize,
}

/// The result of [`crate::Store::commit_batch`], one outcome per packet in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReport {
    /// Per packet, in the batch's order.
    pub packets: Vec<PacketOutcome>,
}

/// A query for readings of one point.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadingQuery {
    /// The point.
    pub point: PointId,
    /// The data kind.
    pub kind: model::DataKind,
    /// Only these parameters; all when empty.
    pub params: Vec<ParamCode>,
    /// Inclusive start of the data-time range.
    pub from: Instant,
    /// Exclusive end of the data-time range.
    pub to: Instant,
    /// At most this many readings.
    pub limit: usize,
}

/// A query over the raw archive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawQuery {
    /// Only packets with this MN as sent.
    pub mn: Option<String>,
    /// Only packets with this verdict label (`accepted`, `refused` …).
    pub verdict: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// An archived raw packet with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct RawPacketRecord {
    /// The archive id.
    pub id: i64,
    /// The packet.
    pub raw: RawPacket,
}

/// The kind of a monitoring point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// Flue-gas outlet (废气排放口) with CEMS.
    FlueGas,
    /// Wastewater outlet (废水排放口).
    Wastewater,
    /// Ambient air station (空气质量监测站).
    AirStation,
    /// Air micro-station (微站).
    MicroStation,
    /// Surface-water automatic station (水质自动站).
    SurfaceWater,
    /// VOCs monitoring.
    Vocs,
    /// Catering fume (油烟).
    Fume,
    /// Construction dust (扬尘).
    Dust,
    /// Electricity (用电) monitoring of production and treatment facilities.
    Electricity,
    /// Noise monitoring point.
    Noise,
}

impl PointKind {
    /// All kinds.
    pub const ALL: [PointKind; 10] = [
        PointKind::FlueGas,
        PointKind::Wastewater,
        PointKind::AirStation,
        PointKind::MicroStation,
        PointKind::SurfaceWater,
        PointKind::Vocs,
        PointKind::Fume,
        PointKind::Dust,
        PointKind::Electricity,
        PointKind::Noise,
    ];

    /// Stable snake_case name used in storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::FlueGas => "flue_gas",
            PointKind::Wastewater => "wastewater",
            PointKind::AirStation => "air_station",
            PointKind::MicroStation => "micro_station",
            PointKind::SurfaceWater => "surface_water",
            PointKind::Vocs => "vocs",
            PointKind::Fume => "fume",
            PointKind::Dust => "dust",
            PointKind::Electricity => "electricity",
            PointKind::Noise => "noise",
        }
    }

    /// Parses the name written by [`PointKind::as_str`].
    pub fn parse(text: &str) -> Option<PointKind> {
        PointKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A monitoring point to create or update (matched by `code`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPoint {
    /// Unique code, e.g. `WTQ-FG-001`.
    pub code: String,
    /// Display name (Chinese).
    pub name: String,
    /// Kind.
    pub kind: PointKind,
    /// Owning enterprise's name, if a source outlet.
    pub enterprise: Option<String>,
    /// True for simulated (demo) points.
    pub simulated: bool,
}

/// A stored monitoring point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// Its id.
    pub id: PointId,
    /// Its attributes.
    #[serde(flatten)]
    pub point: NewPoint,
}

/// Per-device settings that relax codec checks for devices known to deviate
/// from the standard. Each relaxation is recorded as a deviation on the packet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceLeniency {
    /// Accept a CRC-16/MODBUS value in place of the HJ 212 CRC.
    pub accept_modbus_crc: bool,
    /// Accept a packet whose CRC does not match at all (CRC check disabled).
    pub skip_crc: bool,
    /// Accept a length field that disagrees with the data segment.
    pub accept_wrong_length: bool,
}

/// A device to create or update (matched by MN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDevice {
    /// The MN.
    pub mn: Mn,
    /// PHC string of the argon2 hash of the device's PW.
    pub password_hash: String,
    /// Configured protocol edition label: `2005`, `2017` or `2025`.
    pub protocol: String,
    /// The point it reports for.
    pub point: PointId,
    /// Relaxed checks for this device.
    pub leniency: DeviceLeniency,
    /// True for simulated (demo) devices.
    pub simulated: bool,
}

/// A stored device with its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// Its id.
    pub id: DeviceId,
    /// Its attributes.
    #[serde(flatten)]
    pub device: NewDevice,
    /// When a packet from it was last accepted.
    pub last_seen: Option<Instant>,
    /// The peer address it was last seen from.
    pub last_peer: Option<String>,
}
