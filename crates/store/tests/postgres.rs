//! The backend conformance suite against PostgreSQL, when a server is given in
//! `QINGSHAN_TEST_POSTGRES_URL` (skipped loudly without one; a failure under `CI=true`).
//! Each case gets a database of its own.

use store::conformance::postgres::{base_url, fresh_database};
use store::{PgOptions, PgStore, Store};

/// Runs `case` on a fresh store in a new database.
fn check(case: fn(&dyn Store)) {
    let Some(base) = base_url("store::conformance on PostgreSQL") else { return };
    let store =
        PgStore::open(&fresh_database(&base), PgOptions::default()).expect("the store opens");
    case(&store);
}

/// Runs `case` with a function that opens the same new database each time.
fn check_reopen(case: fn(&mut dyn FnMut() -> Box<dyn Store>)) {
    let Some(base) = base_url("store::conformance on PostgreSQL") else { return };
    let url = fresh_database(&base);
    case(&mut || Box::new(PgStore::open(&url, PgOptions::default()).expect("the store opens")));
}

store::conformance_suite!(check, check_reopen);

/// Two stores on one database (as two gateway processes) commit concurrently:
/// the evidence chains stay one unbroken chain each, ids stay unique, and a
/// reading sent through both is stored once and counted once as a duplicate.
#[test]
fn two_writers_share_one_chain_and_store_each_reading_once() {
    use model::DataKind;
    use store::conformance::fixture::{accepted_packet, audit_entry, point_and_device, reading};
    use store::{IngestBatch, RawQuery};

    let Some(base) = base_url("two_writers_share_one_chain_and_store_each_reading_once") else {
        return;
    };
    let url = fresh_database(&base);
    let first = PgStore::open(&url, PgOptions::default()).unwrap();
    let second = PgStore::open(&url, PgOptions::default()).unwrap();
    let (point, device) = point_and_device(&first, "MN-TWO");
    const N_BATCHES: i64 = 25;
    let commit_all = |store: &PgStore, offset: i64| {
        let mut n_inserted = 0;
        let mut n_duplicate = 0;
        for index in 0..N_BATCHES {
            // Both writers send the same readings (a device re-sending through another gateway).
            let packet = accepted_packet(
                device,
                vec![reading(point, "a34013", DataKind::Minute, index * 60_000, 1.0)],
                offset + index,
            );
            let batch = IngestBatch {
                packets: vec![packet],
                audit: vec![audit_entry(offset + index, "test")],
                ..IngestBatch::default()
            };
            let report = store.commit_batch(&batch).unwrap();
            n_inserted += report.packets[0].n_inserted;
            n_duplicate += report.packets[0].n_duplicate;
        }
        (n_inserted, n_duplicate)
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| commit_all(&first, 0));
        let b = scope.spawn(|| commit_all(&second, 1_000));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a.0 + b.0, N_BATCHES as usize, "each reading stored once");
    assert_eq!(a.1 + b.1, N_BATCHES as usize, "each re-sent reading counted as a duplicate");
    assert_eq!(first.count_readings().unwrap(), N_BATCHES as u64);
    let ids: Vec<i64> = first
        .raw_packets(&RawQuery { limit: 1_000, ..RawQuery::default() })
        .unwrap()
        .iter()
        .map(|record| record.id)
        .rev()
        .collect();
    assert_eq!(ids, (1..=2 * N_BATCHES).collect::<Vec<_>>(), "gap-free ids in commit order");
    for check in second.verify_evidence().unwrap() {
        assert!(check.outcome.is_ok(), "{}: {:?}", check.table, check.outcome);
        assert_eq!(check.n_intact, 2 * N_BATCHES as u64, "{}", check.table);
    }
}

/// With a realtime retention, realtime readings older than it (counted from
/// the newest receive time) are deleted after a commit; other kinds stay.
#[test]
fn realtime_retention_deletes_only_old_realtime_readings() {
    use model::DataKind;
    use store::IngestBatch;
    use store::conformance::fixture::{accepted_packet, all_readings, point_and_device, reading};

    let Some(base) = base_url("realtime_retention_deletes_only_old_realtime_readings") else {
        return;
    };
    let options = PgOptions { realtime_retention_days: 1, ..PgOptions::default() };
    let store = PgStore::open(&fresh_database(&base), options).unwrap();
    let (point, device) = point_and_device(&store, "MN-RETAIN");
    let day_ms = 86_400_000;
    let readings = vec![
        reading(point, "a34013", DataKind::Realtime, -3 * day_ms, 1.0),
        reading(point, "a34013", DataKind::Minute, -3 * day_ms, 2.0),
        reading(point, "a34013", DataKind::Realtime, -day_ms / 2, 3.0),
    ];
    let batch = IngestBatch {
        packets: vec![accepted_packet(device, readings.clone(), 0)],
        ..IngestBatch::default()
    };
    store.commit_batch(&batch).unwrap();
    assert_eq!(
        store.readings(&all_readings(point, DataKind::Realtime)).unwrap(),
        vec![readings[2].clone()]
    );
    assert_eq!(
        store.readings(&all_readings(point, DataKind::Minute)).unwrap(),
        vec![readings[1].clone()]
    );
    assert_eq!(store.verify_evidence().unwrap()[0].n_intact, 1, "the raw archive is kept");
}

/// A database written by a newer program is refused, not changed.
#[test]
fn newer_schema_is_refused() {
    let Some(base) = base_url("newer_schema_is_refused") else { return };
    let url = fresh_database(&base);
    drop(PgStore::open(&url, PgOptions::default()).unwrap());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute("UPDATE qingshan_schema SET version = 999").unwrap();
        drop(client);
        let error = PgStore::open(&url, PgOptions::default()).unwrap_err();
        assert_eq!(error.reason(), "schema_too_new", "{error}");
    })
    .join()
    .unwrap();
}

/// Two processes (two stores on one database) make audited changes at once, a
/// gateway committing batches with audit entries and a worker changing the
/// registry, accounts and `record_audit`: every change gets its audit entry,
/// audit ids stay gap-free, and the audit chain is one unbroken chain.
#[test]
fn audited_changes_from_two_processes_extend_one_audit_chain() {
    use model::DataKind;
    use model::account::{Role, UserName};
    use store::conformance::fixture::{
        accepted_packet, at, audit_entry, point_and_device, reading,
    };
    use store::conformance::registry_fixture::{active, section};
    use store::{AccountStore, ChangedBy, IngestBatch, NewUser, RegistryStore};

    let Some(base) = base_url("audited_changes_from_two_processes_extend_one_audit_chain") else {
        return;
    };
    let url = fresh_database(&base);
    let gateway = PgStore::open(&url, PgOptions::default()).unwrap();
    let worker = PgStore::open(&url, PgOptions::default()).unwrap();
    let (point, device) = point_and_device(&gateway, "MN-AUDIT");
    const N: i64 = 20;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for index in 0..N {
                let packet = accepted_packet(
                    device,
                    vec![reading(point, "a34013", DataKind::Minute, index * 60_000, 1.0)],
                    index,
                );
                let batch = IngestBatch {
                    packets: vec![packet],
                    audit: vec![audit_entry(index, "device_refused")],
                    ..IngestBatch::default()
                };
                gateway.commit_batch(&batch).unwrap();
            }
        });
        scope.spawn(|| {
            for index in 0..N {
                let change = active(section(&format!("S-{index:02}")));
                worker.apply_registry(&[change], "analyst", at(index)).unwrap();
                let user = NewUser {
                    name: UserName::parse(&format!("user{index:02}")).unwrap(),
                    role: Role::Inspector,
                    enterprise: None,
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                };
                let by = ChangedBy { actor: "admin".to_owned(), at: at(index) };
                worker.create_user(&user, &by).unwrap();
                worker.record_audit(&[audit_entry(index, "export")]).unwrap();
            }
        });
    });
    let entries = worker.audit_entries(10_000).unwrap();
    let count = |action: &str| entries.iter().filter(|entry| entry.action == action).count();
    assert_eq!(count("device_refused"), N as usize, "the gateway's entries");
    assert_eq!(count("registry_created"), N as usize, "one per registry change");
    assert_eq!(count("user_created"), N as usize, "one per user");
    assert_eq!(count("export"), N as usize, "record_audit's entries");
    let checks = gateway.verify_evidence().unwrap();
    let audit = checks.iter().find(|check| check.table == "audit").unwrap();
    assert!(audit.outcome.is_ok(), "{:?}", audit.outcome);
    assert_eq!(audit.n_intact, 4 * N as u64, "gap-free ids, one chain");
}

/// The PostgreSQL schema mirrors the SQLite schema table for table and column
/// for column (PostgreSQL migrations are numbered on their own), and
/// `qingshan migrate` copies every one of them: a SQLite migration without its
/// PostgreSQL mirror fails here.
#[test]
fn postgres_schema_mirrors_sqlite_and_migrate_copies_all_of_it() {
    use std::collections::{BTreeMap, BTreeSet};

    let Some(base) = base_url("postgres_schema_mirrors_sqlite_and_migrate_copies_all_of_it") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.sqlite");
    drop(store::SqliteStore::open(&path, store::SqliteOptions::default()).unwrap());
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    let mut sqlite_tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut statement = sqlite
        .prepare(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .unwrap();
    for row in statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap() {
        let (table, column): (String, String) = row.unwrap();
        sqlite_tables.entry(table).or_default().insert(column);
    }
    let url = fresh_database(&base);
    drop(PgStore::open(&url, PgOptions::default()).unwrap());
    let pg_tables = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        // Tables and partitioned parents, not the partitions; not the schema version.
        let rows = client
            .query(
                "SELECT c.relname::text, a.attname::text FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                   AND c.relname <> 'qingshan_schema'",
                &[],
            )
            .unwrap();
        for row in rows {
            tables.entry(row.get(0)).or_default().insert(row.get(1));
        }
        tables
    })
    .join()
    .unwrap();
    let mut expected = sqlite_tables.clone();
    // PostgreSQL's one addition: the distribution column of the raw archive.
    expected.get_mut("raw_packet").unwrap().insert("point_id".to_owned());
    // The latest-values cache has each backend's own shape (store::transfer's
    // module doc): SQLite one blob per point, PostgreSQL one row per parameter.
    let sqlite_latest = expected.remove("latest_point").expect("SQLite keeps latest_point");
    assert_eq!(sqlite_latest, ["kind", "point_id", "vals"].map(str::to_owned).into());
    let pg_latest = [
        "point_id",
        "kind",
        "param_id",
        "data_ms",
        "rtd",
        "min",
        "avg",
        "max",
        "zs_rtd",
        "zs_min",
        "zs_avg",
        "zs_max",
        "cou",
        "flag",
        "eflag",
        "sample_time",
    ];
    expected.insert("latest_reading".to_owned(), pg_latest.map(str::to_owned).into());
    assert_eq!(pg_tables, expected, "PostgreSQL tables and columns = SQLite's");
    sqlite_tables.remove("latest_point");
    let copied: BTreeMap<String, BTreeSet<String>> = store::copied_columns()
        .into_iter()
        .map(|(table, columns)| {
            (table.to_owned(), columns.into_iter().map(str::to_owned).collect())
        })
        .collect();
    assert_eq!(
        copied, sqlite_tables,
        "migrate copies every SQLite table and column but the rebuilt cache"
    );
}

/// A source with a column the copy does not know (a newer SQLite migration
/// without its PostgreSQL mirror) is refused before anything is copied.
#[test]
fn migrate_refuses_a_source_column_it_cannot_copy() {
    let Some(base) = base_url("migrate_refuses_a_source_column_it_cannot_copy") else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite");
    drop(store::SqliteStore::open(&path, store::SqliteOptions::default()).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE alarm ADD COLUMN corrected_by TEXT")
        .unwrap();
    let url = fresh_database(&base);
    let error = store::copy_sqlite_to_postgres(&path, &url).unwrap_err();
    assert!(error.to_string().contains("alarm.corrected_by"), "{error}");
    let target = PgStore::open(&url, PgOptions::default()).unwrap();
    assert!(target.points().unwrap().is_empty(), "nothing was copied");
}
