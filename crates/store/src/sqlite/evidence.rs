//! The hash chains over `raw_packet` and `audit` (format: the `evidence` crate).
//!
//! The writer keeps each chain's head in memory ([`Chains`]), read once at open,
//! and extends it inside the batch transaction: each row is inserted with an
//! explicit id (the head's last id + 1) and its `chain_hash`, and `chain_head`
//! is updated in the same transaction. The in-memory heads are replaced only
//! after the commit, so a rolled-back batch leaves them untouched.
//!
//! Rows that predate migration 0004 are hashed at open ([`open_chains`]): a table
//! without a `chain_head` row is walked in id order, its missing hashes filled in
//! and its head recorded, in one transaction.

use evidence::{Chain, Hash, Head, Record, Verifier};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::database_error;
use crate::{Error, Result};

/// The evidence tables, in the order they are verified.
const TABLES: [&str; 2] = ["raw_packet", "audit"];

/// The columns of each table, in `evidence::Record` order, then `chain_hash`.
fn select_sql(table: &str) -> &'static str {
    if table == "raw_packet" {
        "SELECT id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes, chain_hash
         FROM raw_packet ORDER BY id"
    } else {
        "SELECT id, at_ms, actor, action, subject, detail, chain_hash FROM audit ORDER BY id"
    }
}

/// The heads of both chains, as the writer keeps them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chains {
    /// The `raw_packet` chain.
    pub(crate) raw_packet: Chain,
    /// The `audit` chain.
    pub(crate) audit: Chain,
}

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

/// Fills in the hashes of rows that predate the chain and loads both heads.
pub(crate) fn open_chains(conn: &mut Connection) -> Result<Chains> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(database_error("starting the evidence backfill"))?;
    let mut chains = Chains::default();
    for table in TABLES {
        let head = match read_head(&tx, table)? {
            Some(head) => head,
            None => backfill(&tx, table)?,
        };
        let chain = Chain::from_head(head);
        if table == "raw_packet" {
            chains.raw_packet = chain;
        } else {
            chains.audit = chain;
        }
    }
    tx.commit().map_err(database_error("committing the evidence backfill"))?;
    Ok(chains)
}

/// Walks `table` in id order, sets each missing `chain_hash`, and records the head.
fn backfill(tx: &Transaction<'_>, table: &'static str) -> Result<Head> {
    const DURING: &str = "hashing evidence rows that predate the chain";
    let mut chain = Chain::default();
    let mut missing: Vec<(i64, Hash)> = Vec::new();
    {
        let mut statement = tx.prepare(select_sql(table)).map_err(database_error(DURING))?;
        let mut rows = statement.query([]).map_err(database_error(DURING))?;
        while let Some(row) = rows.next().map_err(database_error(DURING))? {
            let (record, stored) = decode(table, row)?;
            let hash = chain.append(&record.as_record());
            if stored.is_none() {
                missing.push((record.id(), hash));
            }
        }
    }
    let update = if table == "raw_packet" {
        "UPDATE raw_packet SET chain_hash = ?2 WHERE id = ?1"
    } else {
        "UPDATE audit SET chain_hash = ?2 WHERE id = ?1"
    };
    let mut statement = tx.prepare(update).map_err(database_error(DURING))?;
    for (id, hash) in missing {
        statement.execute(params![id, hash.as_slice()]).map_err(database_error(DURING))?;
    }
    write_head(tx, table, &chain.head())?;
    Ok(chain.head())
}

/// Records the head of `table`'s chain, in the caller's transaction.
/// Replaces each chain in `chains` whose stored head (read inside the write
/// transaction `tx`, so no other writer can move it meanwhile) differs from the
/// one held in memory: another process sharing the file extended it.
pub(crate) fn refresh_chains(tx: &Transaction<'_>, chains: &mut Chains) -> Result<()> {
    for table in TABLES {
        let chain = if table == "raw_packet" { &mut chains.raw_packet } else { &mut chains.audit };
        if let Some(head) = read_head(tx, table)?
            && head != chain.head()
        {
            *chain = Chain::from_head(head);
        }
    }
    Ok(())
}

pub(crate) fn write_head(tx: &Transaction<'_>, table: &str, head: &Head) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO chain_head (name, n_records, last_id, last_hash) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET n_records = excluded.n_records, last_id = excluded.last_id,
                                          last_hash = excluded.last_hash",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            table,
            i64::try_from(head.n_records).unwrap_or(i64::MAX),
            head.last_id,
            head.last_hash.as_slice()
        ])
    })
    .map_err(database_error("recording the evidence chain head"))?;
    Ok(())
}

fn read_head(conn: &Connection, table: &'static str) -> Result<Option<Head>> {
    const DURING: &str = "reading the evidence chain head";
    let row = conn
        .query_row(
            "SELECT n_records, last_id, last_hash FROM chain_head WHERE name = ?1",
            [table],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, Vec<u8>>(2)?)),
        )
        .optional()
        .map_err(database_error(DURING))?;
    let Some((n_records, last_id, last_hash)) = row else { return Ok(None) };
    let corrupt =
        |detail: String| Error::Corrupt { table: "chain_head", column: "last_hash", detail };
    let last_hash = Hash::try_from(last_hash.as_slice())
        .map_err(|_| corrupt(format!("{table}: a hash of {} bytes", last_hash.len())))?;
    let n_records =
        u64::try_from(n_records).map_err(|_| corrupt(format!("{table}: {n_records} records")))?;
    Ok(Some(Head { n_records, last_id, last_hash }))
}

/// One row's content, owned, as read back.
enum OwnedRecord {
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
    Audit {
        id: i64,
        at_ms: i64,
        actor: String,
        action: String,
        subject: String,
        detail: String,
    },
}

impl OwnedRecord {
    fn id(&self) -> i64 {
        match self {
            OwnedRecord::Raw { id, .. } | OwnedRecord::Audit { id, .. } => *id,
        }
    }

    fn as_record(&self) -> Record<'_> {
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

/// Decodes a row of [`select_sql`] into its record and stored hash (`None` if NULL
/// or not 32 bytes long, which verification reports as a missing hash).
fn decode(table: &'static str, row: &Row<'_>) -> Result<(OwnedRecord, Option<Hash>)> {
    let decode_error =
        |source: rusqlite::Error| Error::Corrupt { table, column: "*", detail: source.to_string() };
    let (record, hash_index) = if table == "raw_packet" {
        let record = OwnedRecord::Raw {
            id: row.get(0).map_err(decode_error)?,
            received_ms: row.get(1).map_err(decode_error)?,
            peer: row.get(2).map_err(decode_error)?,
            mn: row.get(3).map_err(decode_error)?,
            device_id: row.get(4).map_err(decode_error)?,
            cn: row.get(5).map_err(decode_error)?,
            verdict: row.get(6).map_err(decode_error)?,
            reason: row.get(7).map_err(decode_error)?,
            deviations: row.get(8).map_err(decode_error)?,
            bytes: row.get(9).map_err(decode_error)?,
        };
        (record, 10)
    } else {
        let record = OwnedRecord::Audit {
            id: row.get(0).map_err(decode_error)?,
            at_ms: row.get(1).map_err(decode_error)?,
            actor: row.get(2).map_err(decode_error)?,
            action: row.get(3).map_err(decode_error)?,
            subject: row.get(4).map_err(decode_error)?,
            detail: row.get(5).map_err(decode_error)?,
        };
        (record, 6)
    };
    let stored: Option<Vec<u8>> = row.get(hash_index).map_err(decode_error)?;
    let stored = stored.and_then(|bytes| Hash::try_from(bytes.as_slice()).ok());
    Ok((record, stored))
}

/// Verifies both chains, streaming each table in id order inside one read transaction.
pub(crate) fn verify(conn: &Connection) -> Result<Vec<ChainCheck>> {
    const DURING: &str = "verifying the evidence chains";
    let tx = conn.unchecked_transaction().map_err(database_error(DURING))?;
    let mut checks = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let mut verifier = Verifier::default();
        let mut broken = None;
        {
            let mut statement = tx.prepare(select_sql(table)).map_err(database_error(DURING))?;
            let mut rows = statement.query([]).map_err(database_error(DURING))?;
            while let Some(row) = rows.next().map_err(database_error(DURING))? {
                let (record, stored) = decode(table, row)?;
                if let Err(error) = verifier.check(&record.as_record(), stored.as_ref()) {
                    broken = Some(error);
                    break;
                }
            }
        }
        let n_intact = verifier.n_intact();
        let outcome = match broken {
            Some(error) => Err(error),
            None => verifier.finish(read_head(&tx, table)?.as_ref()),
        };
        checks.push(ChainCheck { table, n_intact, outcome });
    }
    tx.finish().map_err(database_error(DURING))?;
    Ok(checks)
}

#[cfg(test)]
mod tests;
