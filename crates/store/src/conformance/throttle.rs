//! Conformance cases of [`crate::LoginThrottleStore`]: failed logins counted
//! per account and per address within a window, cleared by a success, pruned
//! past the window.

use super::fixture::at;
use crate::{FailureWindow, LoginFailure, LoginFailureCounts, Store};

fn fail(store: &dyn Store, account: &str, address: &str, offset_ms: i64) {
    let failure = LoginFailure {
        account: account.to_owned(),
        address: address.to_owned(),
        at: at(offset_ms),
    };
    store.record_login_failure(&failure).unwrap();
}

fn window(n_failures: u64, oldest_ms: Option<i64>) -> FailureWindow {
    FailureWindow { n_failures, oldest: oldest_ms.map(at) }
}

/// Failures count per account and per address strictly after the window's
/// start; each is audited as `login_failed`; a success clears the account's
/// failures (audited) but not the address's; pruning deletes only failures at
/// or before its instant (audited), and the audit log keeps every failure.
pub fn login_failures_count_per_account_and_address_within_the_window(store: &dyn Store) {
    let counts = |account: &str, address: &str, since_ms: i64| {
        store.login_failures(account, address, at(since_ms)).unwrap()
    };
    assert_eq!(counts("zhang", "10.0.0.1", -1), LoginFailureCounts::default());
    fail(store, "zhang", "10.0.0.1", 0);
    fail(store, "zhang", "10.0.0.2", 1_000);
    fail(store, "li", "10.0.0.1", 2_000);
    fail(store, "zhang", "10.0.0.1", 3_000);
    assert_eq!(
        counts("zhang", "10.0.0.1", -1),
        LoginFailureCounts { account: window(3, Some(0)), address: window(3, Some(0)) }
    );
    assert_eq!(
        counts("zhang", "10.0.0.1", 0),
        LoginFailureCounts { account: window(2, Some(1_000)), address: window(2, Some(2_000)) },
        "the window starts strictly after its start instant"
    );
    assert_eq!(counts("wang", "10.0.0.9", -1), LoginFailureCounts::default(), "other keys");
    let long_name = "x".repeat(500);
    fail(store, &long_name, "10.0.0.3", 4_000);
    assert_eq!(counts(&long_name, "10.0.0.3", -1).account, window(1, Some(4_000)));
    let audit = store.audit_entries(10).unwrap();
    assert_eq!(audit.iter().filter(|entry| entry.action == "login_failed").count(), 5);
    assert_eq!(audit[1].subject, "user:zhang");
    assert_eq!(audit[1].detail["peer"], "10.0.0.1");
    assert_eq!(audit[0].subject.chars().count(), "user:".len() + crate::MAX_ACCOUNT_CHARS);

    assert_eq!(store.clear_login_failures("zhang", at(5_000)).unwrap(), 3);
    assert_eq!(
        counts("zhang", "10.0.0.1", -1),
        LoginFailureCounts { account: window(0, None), address: window(3, Some(0)) },
        "a success clears the account, not the address"
    );
    let cleared = &store.audit_entries(1).unwrap()[0];
    assert_eq!(
        (cleared.action.as_str(), cleared.subject.as_str()),
        ("login_failures_cleared", "user:zhang")
    );
    assert_eq!(cleared.detail["before"]["n_failures"], 3);
    assert_eq!(store.clear_login_failures("zhang", at(5_500)).unwrap(), 0);
    assert_eq!(
        store.audit_entries(1).unwrap()[0].action,
        "login_failures_cleared",
        "nothing to clear, nothing audited"
    );
    fail(store, "zhang", "10.0.0.1", 6_000);
    assert_eq!(
        counts("zhang", "10.0.0.2", -1).account,
        window(1, Some(6_000)),
        "counts again after"
    );

    assert_eq!(store.prune_login_failures(at(2_000), at(7_000)).unwrap(), 3);
    assert_eq!(
        counts("zhang", "10.0.0.1", -10_000),
        LoginFailureCounts { account: window(1, Some(6_000)), address: window(2, Some(3_000)) },
        "failures at or before the prune instant are gone, later ones stay"
    );
    let pruned = &store.audit_entries(1).unwrap()[0];
    assert_eq!(
        (pruned.action.as_str(), pruned.detail["before"]["n_failures"].as_u64()),
        ("login_failures_pruned", Some(3))
    );
    assert_eq!(store.prune_login_failures(at(2_000), at(8_000)).unwrap(), 0);
    assert_eq!(store.audit_entries(1).unwrap()[0].action, "login_failures_pruned");
    let all = store.audit_entries(100).unwrap();
    assert_eq!(
        all.iter().filter(|entry| entry.action == "login_failed").count(),
        6,
        "the audit log keeps every failure"
    );
    for check in store.verify_evidence().unwrap() {
        assert!(check.outcome.is_ok(), "{}: {:?}", check.table, check.outcome);
    }
}
