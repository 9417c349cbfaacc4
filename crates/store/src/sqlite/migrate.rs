//! Numbered schema migrations, applied in order and recorded in `PRAGMA user_version`.
//!
//! Migration `n` (1-based) takes the schema from version `n - 1` to `n`. Each runs
//! in its own transaction together with the version bump, so a crash leaves the
//! file at a whole version. A file whose version is higher than
//! [`LATEST_VERSION`] was written by a newer program and is refused with
//! [`Error::SchemaTooNew`] before anything is changed.
//!
//! Never edit a released migration: add a new one.

use rusqlite::{Connection, TransactionBehavior};

use super::database_error;
use crate::{Error, Result};

/// The migrations, in order. Index `i` takes the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_connection_log.sql"),
    include_str!("migrations/0003_derived.sql"),
    include_str!("migrations/0004_evidence.sql"),
    include_str!("migrations/0005_registry.sql"),
    include_str!("migrations/0006_plan.sql"),
    include_str!("migrations/0007_alarms.sql"),
    // Accounts (issue #5). Numbered 0008 because 0005–0007 belong to branches
    // merged alongside; the merge puts the files in number order.
    include_str!("migrations/0008_account.sql"),
    // Corrections of readings as versions (issue #4).
    include_str!("migrations/0009_corrections.sql"),
    // Latest values, one row per point (issue #5); has a data step (see `DATA_STEP`).
    include_str!("migrations/0010_latest_point.sql"),
    // Grid supervision and escalation levels (issue #4).
    include_str!("migrations/0011_supervision.sql"),
    // Keyset paging of the alarm inbox (issue #5).
    include_str!("migrations/0012_alarm_paging.sql"),
    // The login throttle shared by every process (auth10).
    include_str!("migrations/0013_login_throttle.sql"),
];

/// A migration whose SQL contains this marker with a step's name runs that
/// program step in its transaction, after its SQL (data that SQL cannot move).
const DATA_STEP: &str = "-- qingshan:data-step=";

/// The schema version this program writes.
pub(crate) const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version recorded in the file (0 for a new file).
pub(crate) fn schema_version(conn: &Connection) -> Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(database_error("reading the schema version"))
}

/// Brings the schema up to [`LATEST_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, LATEST_VERSION)
}

/// Brings the schema up to `target`; tests use it to build old-schema files.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found = schema_version(conn)?;
    if found > LATEST_VERSION {
        return Err(Error::SchemaTooNew { found, supported: LATEST_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= found || version > target {
            continue;
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database_error("starting a migration"))?;
        tx.execute_batch(sql).map_err(database_error("applying a migration"))?;
        if let Some(step) = sql.lines().find_map(|line| line.strip_prefix(DATA_STEP)) {
            match step.trim() {
                "latest_point" => super::latest::backfill(&tx)?,
                other => {
                    return Err(Error::Corrupt {
                        table: "migration",
                        column: "data_step",
                        detail: format!("unknown data step {other:?}"),
                    });
                }
            }
        }
        // `user_version` is part of the database header, written in this transaction.
        tx.pragma_update(None, "user_version", version)
            .map_err(database_error("recording the schema version"))?;
        tx.commit().map_err(database_error("committing a migration"))?;
    }
    Ok(())
}

/// The version of the first migration whose SQL contains `text` (tests build
/// old-schema files by content, so they survive renumbering at merges).
#[cfg(test)]
pub(crate) fn version_containing(text: &str) -> i64 {
    let index = MIGRATIONS.iter().position(|sql| sql.contains(text)).unwrap_or(MIGRATIONS.len());
    index as i64 + 1
}
