//! The login throttle's memory, shared by every process on one store: failed
//! logins ([`LoginFailure`]) per account and per client address, counted over
//! a window ([`LoginThrottleStore::login_failures`]). The web side decides
//! from these counts whether a login may be tried; keeping them here (not in
//! a process's memory) means guesses spread over several web processes add
//! up, and a restart forgets no lock.
//!
//! **What is kept.** Each failed login is one row (table `login_failure`,
//! SQLite migration 0013, PostgreSQL 0006) and, in the same transaction, the
//! audit entry `login_failed` (actor `anonymous`, subject `user:<account>`,
//! detail `{"peer": …}`), which is the permanent security record. A
//! successful login does not delete the account's rows: it marks them
//! cleared (they stop counting for the account, but still count for the
//! address) and is audited as `login_failures_cleared`.
//!
//! **Pruning.** [`LoginThrottleStore::prune_login_failures`] deletes rows
//! older than the throttle's window. That is not deleting user data: a
//! throttle row is a counter whose only use is the window it falls in, and
//! the failed login it counted stays in the audit log. A prune that removes
//! rows is audited as `login_failures_pruned` with the number removed.

use model::Instant;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::encoding::{count_from_db, instant_from_db};
use crate::rows::StoredRow;
use crate::{AuditEntry, Result};

/// The longest account name kept, in characters (longer names are cut:
/// the form accepts anything, and an attacker must not grow rows at will).
pub const MAX_ACCOUNT_CHARS: usize = 64;

/// One failed login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailure {
    /// The account name as typed (cut to [`MAX_ACCOUNT_CHARS`]); need not exist.
    pub account: String,
    /// The client's address (IP, without port).
    pub address: String,
    /// When.
    pub at: Instant,
}

/// Failed logins of one key (an account, or an address) within a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureWindow {
    /// How many.
    pub n_failures: u64,
    /// The oldest of them (`None` when there are none).
    pub oldest: Option<Instant>,
}

/// Failed logins within a window for an account (not cleared by a later
/// success) and for a client address (all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailureCounts {
    /// The account's failures not cleared by a successful login.
    pub account: FailureWindow,
    /// The address's failures, whichever account they named.
    pub address: FailureWindow,
}

/// Storage of failed logins for the login throttle.
///
/// Counting and recording are separate statements: attempts in flight at the
/// same moment may all be counted before any is recorded, so the limit can be
/// passed by the number of attempts in flight at once (each one still needs a
/// password verification), never by more.
pub trait LoginThrottleStore: Send + Sync {
    /// Records `failure` and its `login_failed` audit entry in one
    /// transaction; durable on return.
    fn record_login_failure(&self, failure: &LoginFailure) -> Result<()>;

    /// Failed logins of `account` (not cleared) and from `address` strictly
    /// after `since` (the window's start), in one query.
    fn login_failures(
        &self,
        account: &str,
        address: &str,
        since: Instant,
    ) -> Result<LoginFailureCounts>;

    /// Marks `account`'s uncleared failures as cleared at `at` (after a
    /// successful login), audited as `login_failures_cleared` if there were
    /// any; returns how many. Durable on return.
    fn clear_login_failures(&self, account: &str, at: Instant) -> Result<u64>;

    /// Deletes failures at or before `before` (the oldest window start any
    /// throttle still counts from), audited at `at` as
    /// `login_failures_pruned` if any were removed; returns how many.
    fn prune_login_failures(&self, before: Instant, at: Instant) -> Result<u64>;
}

/// `account` cut to [`MAX_ACCOUNT_CHARS`] characters.
pub fn throttle_account(account: &str) -> String {
    account.chars().take(MAX_ACCOUNT_CHARS).collect()
}

/// The audit entry of a failed login (as the login page has always written it).
pub(crate) fn failure_audit(failure: &LoginFailure) -> AuditEntry {
    AuditEntry {
        at: failure.at,
        actor: "anonymous".to_owned(),
        action: "login_failed".to_owned(),
        subject: format!("user:{}", throttle_account(&failure.account)),
        detail: json!({ "peer": failure.address }),
    }
}

/// The audit entry of clearing `n_cleared` failures of `account`.
pub(crate) fn cleared_audit(account: &str, n_cleared: u64, at: Instant) -> AuditEntry {
    AuditEntry {
        at,
        actor: format!("user:{}", throttle_account(account)),
        action: "login_failures_cleared".to_owned(),
        subject: format!("user:{}", throttle_account(account)),
        detail: json!({
            "before": { "n_failures": n_cleared },
            "after": { "n_failures": 0 },
        }),
    }
}

/// The audit entry of pruning `n_pruned` failures at or before `before`.
pub(crate) fn pruned_audit(n_pruned: u64, before: Instant, at: Instant) -> AuditEntry {
    AuditEntry {
        at,
        actor: "system:web".to_owned(),
        action: "login_failures_pruned".to_owned(),
        subject: "login_throttle".to_owned(),
        detail: json!({
            "before": { "n_failures": n_pruned, "at_or_before": before },
            "after": { "n_failures": 0 },
        }),
    }
}

/// The SQL both backends count with: row 0 the account's window, row 1 the
/// address's, each `count(*), min(at_ms)`; `{account}`, `{address}` and
/// `{since}` are the placeholders of each backend.
pub(crate) fn counts_sql(account: &str, address: &str, since: &str) -> String {
    format!(
        "SELECT 0 AS which, count(*), min(at_ms) FROM login_failure
             WHERE account = {account} AND cleared_ms IS NULL AND at_ms > {since}
         UNION ALL
         SELECT 1, count(*), min(at_ms) FROM login_failure
             WHERE address = {address} AND at_ms > {since}
         ORDER BY 1"
    )
}

/// Decodes one row of [`counts_sql`]: which window (0 account, 1 address) and its count.
pub(crate) fn decode_window(row: &impl StoredRow) -> Result<(i64, FailureWindow)> {
    let n = row.int(1, "login_failure", "count(*)")?.unwrap_or(0);
    let window = FailureWindow {
        n_failures: count_from_db(n, "login_failure")?,
        oldest: row
            .int(2, "login_failure", "at_ms")?
            .map(|ms| instant_from_db(ms, "login_failure", "at_ms"))
            .transpose()?,
    };
    Ok((row.int(0, "login_failure", "which")?.unwrap_or(0), window))
}

/// The counts from the decoded rows of [`counts_sql`].
pub(crate) fn counts_of(windows: Vec<(i64, FailureWindow)>) -> LoginFailureCounts {
    let mut counts = LoginFailureCounts::default();
    for (which, window) in windows {
        if which == 0 {
            counts.account = window;
        } else {
            counts.address = window;
        }
    }
    counts
}
