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
