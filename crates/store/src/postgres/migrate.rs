//! Numbered schema migrations for PostgreSQL, applied in order and recorded in
//! the table `qingshan_schema`.
//!
//! All of them run in one transaction that first takes a transaction-level
//! advisory lock, so several processes opening one database at once (gateways
//! and workers starting together) migrate it exactly once: the others wait,
//! then find the schema current. DDL is transactional in PostgreSQL, so a
//! crash leaves the database at a whole version. A database whose version is
//! newer than [`LATEST_VERSION`] is refused with [`Error::SchemaTooNew`].
//!
//! Never edit a released migration: add a new one.

use ::postgres::Client;

use super::database_error;
use crate::{Error, Result};

/// The migrations, in order. Index `i` takes the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_registry_plan_alarms_accounts.sql"),
    include_str!("migrations/0003_corrections.sql"),
    include_str!("migrations/0004_supervision.sql"),
    // Keyset paging of the alarm inbox (issue #5), SQLite 0012.
    include_str!("migrations/0005_alarm_paging.sql"),
    // The login throttle shared by every process (auth10), SQLite 0013.
    include_str!("migrations/0006_login_throttle.sql"),
];

/// The schema version this program writes.
pub(crate) const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock key that serialises migrations ("qs-migr").
const MIGRATION_LOCK: i64 = 0x0071_732d_6d69_6772;

/// Brings the schema up to [`LATEST_VERSION`].
pub(crate) fn migrate(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction().map_err(database_error("starting a migration"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(database_error("locking the schema for migration"))?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS qingshan_schema (version BIGINT NOT NULL)")
        .map_err(database_error("creating the schema version table"))?;
    let found: i64 = tx
        .query_opt("SELECT version FROM qingshan_schema", &[])
        .map_err(database_error("reading the schema version"))?
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(database_error("reading the schema version"))?
        .unwrap_or(0);
    if found > LATEST_VERSION {
        return Err(Error::SchemaTooNew { found, supported: LATEST_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= found {
            continue;
        }
        tx.batch_execute(sql).map_err(database_error("applying a migration"))?;
    }
    if found < LATEST_VERSION {
        tx.execute("DELETE FROM qingshan_schema", &[])
            .and_then(|_| {
                tx.execute("INSERT INTO qingshan_schema (version) VALUES ($1)", &[&LATEST_VERSION])
            })
            .map_err(database_error("recording the schema version"))?;
    }
    tx.commit().map_err(database_error("committing a migration"))
}
