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

use evidence::{Chain, Hash, Head};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::database_error;
use crate::chain::{TABLES, check_table, head_from_db};
use crate::rows::{decode_evidence, evidence_sql};
use crate::{ChainCheck, Result};

/// The heads of both chains, as the writer keeps them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chains {
    /// The `raw_packet` chain.
    pub(crate) raw_packet: Chain,
    /// The `audit` chain.
    pub(crate) audit: Chain,
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
        let mut statement = tx.prepare(evidence_sql(table)).map_err(database_error(DURING))?;
        let mut rows = statement.query([]).map_err(database_error(DURING))?;
        while let Some(row) = rows.next().map_err(database_error(DURING))? {
            let (record, stored) = decode_evidence(table, row)?;
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
    head_from_db(table, n_records, last_id, &last_hash).map(Some)
}

/// Verifies both chains, streaming each table in id order inside one read transaction.
pub(crate) fn verify(conn: &Connection) -> Result<Vec<ChainCheck>> {
    const DURING: &str = "verifying the evidence chains";
    let tx = conn.unchecked_transaction().map_err(database_error(DURING))?;
    let mut checks = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let mut statement = tx.prepare(evidence_sql(table)).map_err(database_error(DURING))?;
        let mut rows = statement.query([]).map_err(database_error(DURING))?;
        let records = std::iter::from_fn(|| match rows.next() {
            Ok(Some(row)) => Some(decode_evidence(table, row)),
            Ok(None) => None,
            Err(error) => Some(Err(database_error(DURING)(error))),
        });
        checks.push(check_table(table, records, || read_head(&tx, table))?);
    }
    tx.finish().map_err(database_error(DURING))?;
    Ok(checks)
}

#[cfg(test)]
mod tests;
