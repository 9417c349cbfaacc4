//! The backend conformance suite against SQLite on a temporary file.

use store::{SqliteOptions, SqliteStore, Store};

/// Runs `case` on a fresh store in a new temporary file.
fn check(case: fn(&dyn Store)) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("store.db"), SqliteOptions::default())
        .expect("the store opens");
    case(&store);
}

/// Runs `case` with a function that opens the same temporary file each time.
fn check_reopen(case: fn(&mut dyn FnMut() -> Box<dyn Store>)) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store.db");
    case(&mut || {
        Box::new(SqliteStore::open(&path, SqliteOptions::default()).expect("the store opens"))
    });
}

store::conformance_suite!(check, check_reopen);

/// Regression: `qingshan user add` (or `token create`) while `qingshan serve`
/// runs appends to the audit chain from another process; the server's next
/// audited write must continue that chain, not collide with it.
#[test]
fn two_processes_sharing_a_file_extend_one_chain() {
    use store::conformance::fixture::audit_entry;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store.db");
    let server = SqliteStore::open(&path, SqliteOptions::default()).expect("the store opens");
    let cli = SqliteStore::open(&path, SqliteOptions::default()).expect("the store opens again");
    server.record_audit(&[audit_entry(0, "server_1")]).expect("the server appends");
    cli.record_audit(&[audit_entry(1, "cli_1")]).expect("the other process appends");
    server.record_audit(&[audit_entry(2, "server_2")]).expect("the server appends after it");
    server
        .commit_batch(&store::IngestBatch {
            audit: vec![audit_entry(3, "batch")],
            ..Default::default()
        })
        .expect("a batch appends after it too");
    cli.record_audit(&[audit_entry(4, "cli_2")]).expect("and the other process again");
    let actions: Vec<String> =
        server.audit_entries(10).unwrap().into_iter().map(|entry| entry.action).collect();
    assert_eq!(actions, ["cli_2", "batch", "server_2", "cli_1", "server_1"]);
    for check in cli.verify_evidence().unwrap() {
        assert!(check.outcome.is_ok(), "{check:?}");
    }
}
