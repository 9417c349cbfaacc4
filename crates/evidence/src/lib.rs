//! The hash-chain format of Qingshan's evidence tables, and its verification.
//!
//! `raw_packet` (every received packet, byte for byte) and `audit` (who did what)
//! are append-only. To make tampering with the file evident, each row carries a
//! `chain_hash`:
//!
//! ```text
//! chain_hash(row n) = SHA-256( chain_hash(row n-1) ‖ encode(row n) )
//! chain_hash(row 0) = GENESIS = 32 zero bytes
//! ```
//!
//! in id order, one chain per table. [`encode`] defines the canonical encoding
//! of a [`Record`]: a kind tag, then every stored column, length-prefixed, so two
//! different records never encode the same.
//!
//! Deleting the last rows leaves a valid chain behind, so the store also keeps a
//! [`Head`] (number of rows, last id, last hash) per table, written in the same
//! transaction as the rows; [`Verifier::finish`] compares the walk with it.
//! An attacker who can rewrite the whole file can recompute every hash and the
//! head: operators who need protection against that record the head hash
//! (printed by `qingshan verify`) somewhere else.
//!
//! This crate does no I/O, reads no clock and knows nothing of SQL.
//!
//! ```
//! use evidence::{Chain, Record, Verifier};
//!
//! let records = [
//!     Record::Audit { id: 1, at_ms: 0, actor: "system", action: "start", subject: "", detail: "{}" },
//!     Record::Audit { id: 2, at_ms: 5, actor: "admin", action: "device_created", subject: "device:1", detail: "{}" },
//! ];
//! let mut chain = Chain::default();
//! let hashes: Vec<_> = records.iter().map(|record| chain.append(record)).collect();
//!
//! let mut verifier = Verifier::default();
//! for (record, hash) in records.iter().zip(&hashes) {
//!     verifier.check(record, Some(hash)).unwrap();
//! }
//! assert_eq!(verifier.finish(Some(&chain.head())).unwrap().n_records, 2);
//! ```

use sha2::{Digest, Sha256};

/// A SHA-256 chain hash.
pub type Hash = [u8; 32];

/// The hash the first row of every chain chains from: 32 zero bytes.
pub const GENESIS: Hash = [0; 32];

/// The result type of verification.
pub type Result<T> = std::result::Result<T, Error>;

/// The content of one evidence row, every stored column as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// A `raw_packet` row.
    RawPacket {
        /// The archive id.
        id: i64,
        /// Reception instant, UTC milliseconds since the Unix epoch.
        received_ms: i64,
        /// The peer's socket address.
        peer: &'a str,
        /// The MN as sent, if read.
        mn: Option<&'a str>,
        /// The registered device id, if any.
        device_id: Option<i64>,
        /// The CN as sent, if read.
        cn: Option<i64>,
        /// The verdict label.
        verdict: &'a str,
        /// The refusal reason label, if any.
        reason: Option<&'a str>,
        /// The deviations, as the stored JSON text.
        deviations: &'a str,
        /// The packet bytes exactly as received.
        bytes: &'a [u8],
    },
    /// An `audit` row.
    Audit {
        /// The entry id.
        id: i64,
        /// When it happened, UTC milliseconds since the Unix epoch.
        at_ms: i64,
        /// Who did it.
        actor: &'a str,
        /// The action label.
        action: &'a str,
        /// What it was done to.
        subject: &'a str,
        /// The detail, as the stored JSON text.
        detail: &'a str,
    },
}

impl Record<'_> {
    /// The row id.
    pub fn id(&self) -> i64 {
        match self {
            Record::RawPacket { id, .. } | Record::Audit { id, .. } => *id,
        }
    }
}

/// Appends the canonical encoding of `record` to `out`.
///
/// The encoding is a kind tag (`b"qingshan.raw_packet.v1"` or
/// `b"qingshan.audit.v1"`, length-prefixed like any text), then each column in
/// table order:
/// - an integer is its 8 bytes, big-endian two's complement;
/// - a text or blob is its length as 8 bytes big-endian, then its bytes (UTF-8 for text);
/// - an optional value is the byte `0` when absent, or `1` followed by the value.
pub fn encode(record: &Record<'_>, out: &mut Vec<u8>) {
    match *record {
        Record::RawPacket {
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
        } => {
            put_bytes(out, b"qingshan.raw_packet.v1");
            put_int(out, id);
            put_int(out, received_ms);
            put_bytes(out, peer.as_bytes());
            put_option(out, mn, |out, mn| put_bytes(out, mn.as_bytes()));
            put_option(out, device_id, put_int);
            put_option(out, cn, put_int);
            put_bytes(out, verdict.as_bytes());
            put_option(out, reason, |out, reason| put_bytes(out, reason.as_bytes()));
            put_bytes(out, deviations.as_bytes());
            put_bytes(out, bytes);
        }
        Record::Audit { id, at_ms, actor, action, subject, detail } => {
            put_bytes(out, b"qingshan.audit.v1");
            put_int(out, id);
            put_int(out, at_ms);
            put_bytes(out, actor.as_bytes());
            put_bytes(out, action.as_bytes());
            put_bytes(out, subject.as_bytes());
            put_bytes(out, detail.as_bytes());
        }
    }
}

fn put_int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_option<T>(out: &mut Vec<u8>, value: Option<T>, put: impl FnOnce(&mut Vec<u8>, T)) {
    match value {
        None => out.push(0),
        Some(value) => {
            out.push(1);
            put(out, value);
        }
    }
}

/// The chain hash of `record` following `previous`: SHA-256(previous ‖ encode(record)).
pub fn chain_hash(previous: &Hash, record: &Record<'_>) -> Hash {
    let mut encoded = Vec::with_capacity(256);
    encode(record, &mut encoded);
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(&encoded);
    hasher.finalize().into()
}

/// Lower-case hexadecimal of a hash, for output.
pub fn to_hex(hash: &Hash) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(64);
    for byte in hash {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// The state at the end of a chain: what the store keeps in `chain_head`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// How many records the chain holds.
    pub n_records: u64,
    /// The id of the last record (0 when empty).
    pub last_id: i64,
    /// The chain hash of the last record ([`GENESIS`] when empty).
    pub last_hash: Hash,
}

impl Default for Head {
    fn default() -> Head {
        Head { n_records: 0, last_id: 0, last_hash: GENESIS }
    }
}

/// The writer's side: the head of one chain, extended record by record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    head: Head,
}

impl Chain {
    /// Continues the chain from a stored head.
    pub fn from_head(head: Head) -> Chain {
        Chain { head }
    }

    /// Appends `record` and returns its chain hash.
    pub fn append(&mut self, record: &Record<'_>) -> Hash {
        let hash = chain_hash(&self.head.last_hash, record);
        self.head =
            Head { n_records: self.head.n_records + 1, last_id: record.id(), last_hash: hash };
        hash
    }

    /// The current head.
    pub fn head(&self) -> Head {
        self.head
    }
}

/// A broken link, found by [`Verifier`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The stored hash is not the hash of this row's content after the previous row:
    /// the row (or an earlier one, moved here) was modified.
    #[error("record {id}: content modified (stored hash {stored}, computed {computed})")]
    Modified {
        /// The row id.
        id: i64,
        /// The stored hash, hex.
        stored: String,
        /// The hash computed from the content, hex.
        computed: String,
    },
    /// The row carries no hash.
    #[error("record {id}: no chain hash stored")]
    MissingHash {
        /// The row id.
        id: i64,
    },
    /// Ids jump: rows between were deleted.
    #[error("record {id}: rows deleted before it (previous id {previous})")]
    Deleted {
        /// The first row after the gap.
        id: i64,
        /// The row before the gap (0 at the start).
        previous: i64,
    },
    /// Ids do not increase: records were reordered.
    #[error("record {id}: out of order (after id {previous})")]
    Reordered {
        /// The row out of place.
        id: i64,
        /// The row before it.
        previous: i64,
    },
    /// The walk ended elsewhere than the stored head: the last rows were deleted (or added outside the writer).
    #[error(
        "record {id}: chain ends after {n_found} records, but the head says {n_expected} records ending at id {expected_last_id}"
    )]
    Truncated {
        /// The first id missing (or the first one beyond the head).
        id: i64,
        /// How many records were walked.
        n_found: u64,
        /// The head's last id.
        expected_last_id: i64,
        /// The head's record count.
        n_expected: u64,
    },
    /// The walk ended at the right row, but its hash is not the head's.
    #[error("record {id}: last hash differs from the stored head")]
    HeadMismatch {
        /// The last id.
        id: i64,
    },
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Modified { .. } => "modified",
            Error::MissingHash { .. } => "missing_hash",
            Error::Deleted { .. } => "deleted",
            Error::Reordered { .. } => "reordered",
            Error::Truncated { .. } => "truncated",
            Error::HeadMismatch { .. } => "head_mismatch",
        }
    }

    /// The row id the break was found at.
    pub fn id(&self) -> i64 {
        match self {
            Error::Modified { id, .. }
            | Error::MissingHash { id }
            | Error::Deleted { id, .. }
            | Error::Reordered { id, .. }
            | Error::Truncated { id, .. }
            | Error::HeadMismatch { id } => *id,
        }
    }
}

/// The verifying side: fed the rows in id order, it keeps only the running head
/// (constant memory) and stops at the first broken link.
///
/// Ids are expected to be consecutive from 1 (SQLite's `INTEGER PRIMARY KEY`
/// assigns max + 1 and rows are never deleted), so a gap means a deleted row.
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    chain: Chain,
}

impl Verifier {
    /// Checks the next record and its stored hash.
    pub fn check(&mut self, record: &Record<'_>, stored: Option<&Hash>) -> Result<()> {
        let id = record.id();
        let previous = self.chain.head.last_id;
        if id <= previous {
            return Err(Error::Reordered { id, previous });
        }
        if id != previous + 1 {
            return Err(Error::Deleted { id, previous });
        }
        let Some(stored) = stored else {
            return Err(Error::MissingHash { id });
        };
        let computed = chain_hash(&self.chain.head.last_hash, record);
        if &computed != stored {
            return Err(Error::Modified {
                id,
                stored: to_hex(stored),
                computed: to_hex(&computed),
            });
        }
        let n_records = self.chain.head.n_records + 1;
        self.chain.head = Head { n_records, last_id: id, last_hash: computed };
        Ok(())
    }

    /// How many records have been checked and found intact so far.
    pub fn n_intact(&self) -> u64 {
        self.chain.head.n_records
    }

    /// Ends the walk: compares it with the stored head (if any) and returns the walked head.
    pub fn finish(self, stored: Option<&Head>) -> Result<Head> {
        let found = self.chain.head;
        if let Some(stored) = stored {
            if found.n_records != stored.n_records || found.last_id != stored.last_id {
                return Err(Error::Truncated {
                    id: found.last_id.min(stored.last_id) + 1,
                    n_found: found.n_records,
                    expected_last_id: stored.last_id,
                    n_expected: stored.n_records,
                });
            }
            if found.last_hash != stored.last_hash {
                return Err(Error::HeadMismatch { id: found.last_id });
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests;
