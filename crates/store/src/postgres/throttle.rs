//! [`LoginThrottleStore`] for [`PgStore`]: table `login_failure` (migration
//! 0006, the mirror of SQLite 0013). Every process records and counts in the
//! same table, so failures spread over several web processes add up.

use model::Instant;

use super::{database_error, select};
use crate::encoding::millis;
use crate::throttle::{
    cleared_audit, counts_of, counts_sql, decode_window, failure_audit, pruned_audit,
    throttle_account,
};
use crate::{LoginFailure, LoginFailureCounts, LoginThrottleStore, PgStore, Result};

impl LoginThrottleStore for PgStore {
    fn record_login_failure(&self, failure: &LoginFailure) -> Result<()> {
        self.write_audited("recording a failed login", |tx, audit| {
            tx.execute(
                "INSERT INTO login_failure (account, address, at_ms) VALUES ($1, $2, $3)",
                &[&throttle_account(&failure.account), &failure.address, &millis(failure.at)],
            )
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
        let account = throttle_account(account);
        let address = address.to_owned();
        self.read(move |client| {
            select(
                client,
                "counting failed logins",
                &counts_sql("$1", "$2", "$3"),
                &[&account, &address, &millis(since)],
                decode_window,
            )
            .map(counts_of)
        })
    }

    fn clear_login_failures(&self, account: &str, at: Instant) -> Result<u64> {
        let account = throttle_account(account);
        self.write_audited("clearing failed logins", |tx, audit| {
            let n_cleared = tx
                .execute(
                    "UPDATE login_failure SET cleared_ms = $2
                     WHERE account = $1 AND cleared_ms IS NULL",
                    &[&account, &millis(at)],
                )
                .map_err(database_error("clearing failed logins"))?;
            if n_cleared > 0 {
                audit.push(cleared_audit(&account, n_cleared, at));
            }
            Ok(n_cleared)
        })
    }

    fn prune_login_failures(&self, before: Instant, at: Instant) -> Result<u64> {
        self.write_audited("pruning failed logins", |tx, audit| {
            let n_pruned = tx
                .execute("DELETE FROM login_failure WHERE at_ms <= $1", &[&millis(before)])
                .map_err(database_error("pruning failed logins"))?;
            if n_pruned > 0 {
                audit.push(pruned_audit(n_pruned, before, at));
            }
            Ok(n_pruned)
        })
    }
}
