//! The evidence hash chains over `raw_packet` and `audit`, whatever the backend:
//! the records each row is hashed as (format: the `evidence` crate), reading a
//! stored head back, and walking a table's rows in id order to verify them.
//!
//! The backends differ only in where a chain's head comes from when a batch
//! extends it: [`crate::SqliteStore`] (one writer) keeps it in memory, while
//! [`crate::PgStore`] (several writer processes) locks and reads the
//! `chain_head` row inside the commit transaction.

use evidence::{Hash, Head, Record, Verifier};

use crate::encoding::millis;
use crate::{AuditEntry, Error, RawPacket, Result};

/// The evidence tables, in the order they are verified.
pub(crate) const TABLES: [&str; 2] = ["raw_packet", "audit"];

/// The outcome of verifying one evidence table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// The table: `raw_packet` or `audit`.
    pub table: &'static str,
    /// How many rows were checked and found intact (before the break, if any).
    pub n_intact: u64,
    /// The walked head when the chain is intact, or the first broken link.
    pub outcome: std::result::Result<Head, evidence::Error>,
}

impl ChainCheck {
    /// The last hash of an intact chain, hex (for recording it elsewhere).
    pub fn head_hex(&self) -> Option<String> {
        self.outcome.as_ref().ok().map(|head| evidence::to_hex(&head.last_hash))
    }

    /// The check as JSON, as `qingshan verify --json` and case exports print it:
    /// `{table, intact, n_checked, last_id, head_hash}` or
    /// `{table, intact: false, n_intact, broken_id, reason, message}`.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.outcome {
            Ok(head) => serde_json::json!({
                "table": self.table,
                "intact": true,
                "n_checked": self.n_intact,
                "last_id": head.last_id,
                "head_hash": self.head_hex(),
            }),
            Err(error) => serde_json::json!({
                "table": self.table,
                "intact": false,
                "n_intact": self.n_intact,
                "broken_id": error.id(),
                "reason": error.reason(),
                "message": error.to_string(),
            }),
        }
    }
}

/// The record a raw packet with archive id `id` is hashed as; `deviations` is
/// its stored JSON text.
pub(crate) fn raw_record<'a>(id: i64, raw: &'a RawPacket, deviations: &'a str) -> Record<'a> {
    Record::RawPacket {
        id,
        received_ms: millis(raw.received_at),
        peer: &raw.peer,
        mn: raw.mn.as_deref(),
        device_id: raw.device.map(|device| device.0),
        cn: raw.cn.map(i64::from),
        verdict: raw.verdict.label(),
        reason: raw.verdict.reason(),
        deviations,
        bytes: &raw.bytes,
    }
}

/// The record an audit entry with id `id` is hashed as; `detail` is its stored JSON text.
pub(crate) fn audit_record<'a>(id: i64, entry: &'a AuditEntry, detail: &'a str) -> Record<'a> {
    Record::Audit {
        id,
        at_ms: millis(entry.at),
        actor: &entry.actor,
        action: &entry.action,
        subject: &entry.subject,
        detail,
    }
}

/// A `chain_head` row read back.
pub(crate) fn head_from_db(
    table: &str,
    n_records: i64,
    last_id: i64,
    last_hash: &[u8],
) -> Result<Head> {
    let corrupt =
        |detail: String| Error::Corrupt { table: "chain_head", column: "last_hash", detail };
    let last_hash = Hash::try_from(last_hash)
        .map_err(|_| corrupt(format!("{table}: a hash of {} bytes", last_hash.len())))?;
    let n_records =
        u64::try_from(n_records).map_err(|_| corrupt(format!("{table}: {n_records} records")))?;
    Ok(Head { n_records, last_id, last_hash })
}

/// A stored `chain_hash` (`None` if NULL or not 32 bytes long, which
/// verification reports as a missing hash).
pub(crate) fn hash_from_db(stored: Option<Vec<u8>>) -> Option<Hash> {
    stored.and_then(|bytes| Hash::try_from(bytes.as_slice()).ok())
}

/// Walks one table's `rows` (in id order, each with its stored hash) and
/// compares the end with the stored head, which `head` reads.
pub(crate) fn check_table(
    table: &'static str,
    rows: impl Iterator<Item = Result<(OwnedRecord, Option<Hash>)>>,
    head: impl FnOnce() -> Result<Option<Head>>,
) -> Result<ChainCheck> {
    let mut verifier = Verifier::default();
    let mut broken = None;
    for row in rows {
        let (record, stored) = row?;
        if let Err(error) = verifier.check(&record.as_record(), stored.as_ref()) {
            broken = Some(error);
            break;
        }
    }
    let n_intact = verifier.n_intact();
    let outcome = match broken {
        Some(error) => Err(error),
        None => verifier.finish(head()?.as_ref()),
    };
    Ok(ChainCheck { table, n_intact, outcome })
}

/// One row's content, owned, as read back.
pub(crate) enum OwnedRecord {
    /// A `raw_packet` row.
    Raw {
        id: i64,
        received_ms: i64,
        peer: String,
        mn: Option<String>,
        device_id: Option<i64>,
        cn: Option<i64>,
        verdict: String,
        reason: Option<String>,
        deviations: String,
        bytes: Vec<u8>,
    },
    /// An `audit` row.
    Audit { id: i64, at_ms: i64, actor: String, action: String, subject: String, detail: String },
}

impl OwnedRecord {
    /// The row id.
    pub(crate) fn id(&self) -> i64 {
        match self {
            OwnedRecord::Raw { id, .. } | OwnedRecord::Audit { id, .. } => *id,
        }
    }

    /// The record it is hashed as.
    pub(crate) fn as_record(&self) -> Record<'_> {
        match self {
            OwnedRecord::Raw {
                id,
                received_ms,
                peer,
                mn,
                device_id,
                cn,
                verdict,
                reason,
                deviations,
                bytes,
            } => Record::RawPacket {
                id: *id,
                received_ms: *received_ms,
                peer,
                mn: mn.as_deref(),
                device_id: *device_id,
                cn: *cn,
                verdict,
                reason: reason.as_deref(),
                deviations,
                bytes,
            },
            OwnedRecord::Audit { id, at_ms, actor, action, subject, detail } => {
                Record::Audit { id: *id, at_ms: *at_ms, actor, action, subject, detail }
            }
        }
    }
}
