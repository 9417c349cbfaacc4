//! [`LoginThrottleStore`] for [`SqliteStore`]: table `login_failure`
//! (migration `0013_login_throttle.sql`).

use model::Instant;
use rusqlite::params;

use super::{collect, database_error, millis};
use crate::throttle::{
    cleared_audit, counts_of, counts_sql, decode_window, failure_audit, pruned_audit,
    throttle_account,
};
use crate::{LoginFailure, LoginFailureCounts, LoginThrottleStore, Result, SqliteStore};

impl LoginThrottleStore for SqliteStore {
    fn record_login_failure(&self, failure: &LoginFailure) -> Result<()> {
        self.write_audited("recording a failed login", |tx, audit| {
            tx.prepare_cached(
                "INSERT INTO login_failure (account, address, at_ms) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    throttle_account(&failure.account),
                    failure.address,
                    millis(failure.at)
                ])
            })
            .map_err(database_error("recording a failed login"))?;
            audit.push(failure_audit(failure));
            Ok(())
        })
    }

    fn login_failures(
        &self,
        account: &str,
        address: &str,
        since: Instant,
    ) -> Result<LoginFailureCounts> {
        const DURING: &str = "counting failed logins";
        let account = throttle_account(account);
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&counts_sql("?1", "?2", "?3"))
                .map_err(database_error(DURING))?;
            let rows = statement
                .query(params![account, address, millis(since)])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_window(row)).map(counts_of)
        })
    }

    fn clear_login_failures(&self, account: &str, at: Instant) -> Result<u64> {
        let account = throttle_account(account);
        self.write_audited("clearing failed logins", |tx, audit| {
            let n_cleared = tx
                .prepare_cached(
                    "UPDATE login_failure SET cleared_ms = ?2
                     WHERE account = ?1 AND cleared_ms IS NULL",
                )
                .and_then(|mut statement| statement.execute(params![account, millis(at)]))
                .map_err(database_error("clearing failed logins"))?;
            let n_cleared = n_cleared as u64;
            if n_cleared > 0 {
                audit.push(cleared_audit(&account, n_cleared, at));
            }
            Ok(n_cleared)
        })
    }

    fn prune_login_failures(&self, before: Instant, at: Instant) -> Result<u64> {
        self.write_audited("pruning failed logins", |tx, audit| {
            let n_pruned = tx
                .prepare_cached("DELETE FROM login_failure WHERE at_ms <= ?1")
                .and_then(|mut statement| statement.execute(params![millis(before)]))
                .map_err(database_error("pruning failed logins"))?;
            let n_pruned = n_pruned as u64;
            if n_pruned > 0 {
                audit.push(pruned_audit(n_pruned, before, at));
            }
            Ok(n_pruned)
        })
    }
}
