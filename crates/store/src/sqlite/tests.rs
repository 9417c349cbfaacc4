//! SQLite-specific tests: migrations, pragmas, stored-data corruption, query plans.
//! Behaviour every backend shares is in [`crate::conformance`].

use std::path::Path;

use super::*;
use crate::conformance::fixture;

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions { n_readers: 2, ..SqliteOptions::default() }).unwrap()
}

fn raw_connection(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

#[test]
fn new_file_gets_latest_schema_in_wal_mode_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = open(&path);
    let writer = lock(&store.writer);
    let version = migrate::schema_version(&writer.conn).unwrap();
    assert_eq!(version, migrate::LATEST_VERSION);
    let mode: String = writer.conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    // 2 is FULL.
    let synchronous: i64 =
        writer.conn.query_row("PRAGMA synchronous", [], |row| row.get(0)).unwrap();
    assert_eq!(synchronous, 2);
    let foreign_keys: i64 =
        writer.conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0)).unwrap();
    assert_eq!(foreign_keys, 1);
}

#[test]
fn latest_values_are_backfilled_by_migration_0008() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("before-0008.db");
    {
        let store = open(&path);
        let (point, device) = fixture::point_and_device(&store, "MN-BACKFILL");
        let mut batch = IngestBatch::default();
        batch.packets.push(fixture::accepted_packet(
            device,
            vec![fixture::reading(point, "a34013", DataKind::Minute, 60_000, 2.5)],
            60_000,
        ));
        store.commit_batch(&batch).unwrap();
    }
    {
        // Back to the schema before 0008: what an older file has (no value columns).
        let conn = raw_connection(&path);
        for column in [
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
        ] {
            conn.execute_batch(&format!("ALTER TABLE latest_reading DROP COLUMN {column}"))
                .unwrap();
        }
        conn.execute_batch("DROP TABLE user_session; DROP TABLE api_token; DROP TABLE app_user")
            .unwrap();
        // Later migrations' tables go too, so every migration from 0008 on runs again.
        conn.execute_batch("DROP TABLE reading_correction").unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
    }
    let store = open(&path);
    let latest = store.latest_readings(DataKind::Minute).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!((latest[0].values.avg, latest[0].values.flag.as_deref()), (Some(2.5), Some("N")));
}

#[test]
fn version_1_file_is_migrated_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = raw_connection(&path);
        migrate::migrate_to(&mut conn, 1).unwrap();
        assert_eq!(migrate::schema_version(&conn).unwrap(), 1);
        conn.execute(
            "INSERT INTO point (code, name, kind, enterprise, simulated) VALUES ('P-1', '一号', 'flue_gas', NULL, 0)",
            [],
        )
        .unwrap();
        // Version 1 has no connection log.
        assert!(conn.execute("SELECT * FROM connection_event", []).is_err());
    }
    let store = open(&path);
    assert_eq!(
        migrate::schema_version(&lock(&store.writer).conn).unwrap(),
        migrate::LATEST_VERSION
    );
    let points = store.points().unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].point.code, "P-1");
    let event = fixture::connection_event(1_000, None, "connected");
    store
        .commit_batch(&IngestBatch { connections: vec![event.clone()], ..IngestBatch::default() })
        .unwrap();
    assert_eq!(store.connection_log(None, 10).unwrap(), vec![event]);
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = raw_connection(&path);
        conn.pragma_update(None, "user_version", migrate::LATEST_VERSION + 1).unwrap();
    }
    let error = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(
        matches!(error, Error::SchemaTooNew { found, supported } if found == migrate::LATEST_VERSION + 1 && supported == migrate::LATEST_VERSION),
        "{error}"
    );
    assert_eq!(error.reason(), "schema_too_new");
    let conn = raw_connection(&path);
    assert_eq!(migrate::schema_version(&conn).unwrap(), migrate::LATEST_VERSION + 1);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "delete", "the refused file must not have been switched to WAL");
}

#[test]
fn reopening_does_not_reapply_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(open(&path));
    drop(open(&path));
    let conn = raw_connection(&path);
    assert_eq!(migrate::schema_version(&conn).unwrap(), migrate::LATEST_VERSION);
}

#[test]
fn raw_packets_and_audit_refuse_update_and_delete_in_the_database() {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut batch = IngestBatch::default();
    batch.packets.push(fixture::refused_packet(b"##garbage\r\n", 1_000));
    batch.audit.push(fixture::audit_entry(1_000, "device_refused"));
    store.commit_batch(&batch).unwrap();
    let writer = lock(&store.writer);
    for sql in [
        "UPDATE raw_packet SET bytes = x'00'",
        "DELETE FROM raw_packet",
        "UPDATE audit SET actor = 'someone else'",
        "DELETE FROM audit",
    ] {
        let error = writer.conn.execute(sql, []).unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
}

#[test]
fn corrupt_stored_values_are_errors_not_panics() {
    let store = SqliteStore::open_in_memory().unwrap();
    let (point, device) = fixture::point_and_device(&store, "MN-CORRUPT");
    let mut batch = IngestBatch::default();
    batch.packets.push(fixture::accepted_packet(
        device,
        vec![fixture::reading(point, "a34013", DataKind::Minute, 60_000, 1.5)],
        60_000,
    ));
    store.commit_batch(&batch).unwrap();
    let tamper = |sql: &str| {
        lock(&store.writer).conn.execute_batch(sql).unwrap();
    };
    let readings = || store.readings(&fixture::all_readings(point, DataKind::Minute));
    let corrupt_column = |error: Error| match error {
        Error::Corrupt { table, column, .. } => format!("{table}.{column}"),
        other => panic!("expected Corrupt, got {other}"),
    };

    tamper("UPDATE reading SET avg = 'not a number'; UPDATE latest_reading SET avg = 'nan'");
    assert_eq!(corrupt_column(readings().unwrap_err()), "reading.avg");
    assert_eq!(
        corrupt_column(store.latest_readings(DataKind::Minute).unwrap_err()),
        "latest_reading.avg"
    );
    tamper("UPDATE reading SET avg = 1.5; UPDATE param SET code = 'has space'");
    assert_eq!(corrupt_column(readings().unwrap_err()), "param.code");

    tamper("PRAGMA foreign_keys = OFF; UPDATE device SET leniency = 'not json'");
    assert_eq!(corrupt_column(store.devices().unwrap_err()), "device.leniency");
    tamper("UPDATE device SET leniency = '{}', mn = 'bad mn'");
    assert_eq!(corrupt_column(store.devices().unwrap_err()), "device.mn");
    tamper("UPDATE point SET kind = 'volcano'");
    assert_eq!(corrupt_column(store.points().unwrap_err()), "point.kind");

    tamper(
        "DROP TRIGGER raw_packet_no_update; UPDATE raw_packet SET verdict = 'refused', reason = NULL",
    );
    let error = store.raw_packets(&RawQuery { limit: 10, ..RawQuery::default() }).unwrap_err();
    assert_eq!(corrupt_column(error), "raw_packet.verdict");
    tamper("UPDATE raw_packet SET verdict = 'accepted', cn = 70000");
    let error = store.raw_packets(&RawQuery { limit: 10, ..RawQuery::default() }).unwrap_err();
    assert_eq!(corrupt_column(error), "raw_packet.cn");
    tamper("UPDATE raw_packet SET cn = 2051, received_ms = 9223372036854775807");
    let error = store.raw_packets(&RawQuery { limit: 10, ..RawQuery::default() }).unwrap_err();
    assert_eq!(corrupt_column(error), "raw_packet.received_ms");
    assert_eq!(error_reason(&store), "corrupt");
}

fn error_reason(store: &SqliteStore) -> &'static str {
    store.raw_packets(&RawQuery { limit: 1, ..RawQuery::default() }).unwrap_err().reason()
}

#[test]
fn queries_use_the_primary_key_without_sorting_the_range() {
    let store = SqliteStore::open_in_memory().unwrap();
    let writer = lock(&store.writer);
    let plan = |sql: &str| -> String {
        let mut statement = writer.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = statement.query_map([], |row| row.get::<_, String>(3)).unwrap();
        rows.map(|row| row.unwrap()).collect::<Vec<_>>().join("\n")
    };
    for params in ["", "AND q.code IN (SELECT value FROM json_each('[\"a\"]'))"] {
        let readings = plan(&format!(
            "SELECT r.data_ms FROM reading r JOIN param q ON q.id = r.param_id
             WHERE r.point_id = 1 AND r.kind = 1 AND r.data_ms >= 0 AND r.data_ms < 10 {params}
             ORDER BY r.data_ms, q.code LIMIT 5"
        ));
        assert!(
            readings.contains(
                "SEARCH r USING PRIMARY KEY (point_id=? AND kind=? AND data_ms>? AND data_ms<?)"
            ),
            "{readings}"
        );
        assert!(readings.contains("LAST TERM OF ORDER BY"), "only ties are sorted: {readings}");
    }
    let latest = plan(
        "SELECT r.data_ms FROM latest_reading l
         CROSS JOIN reading r ON r.point_id = l.point_id AND r.kind = l.kind AND r.data_ms = l.data_ms
                       AND r.param_id = l.param_id
         JOIN param q ON q.id = l.param_id
         WHERE l.kind = 1 ORDER BY l.point_id, q.code",
    );
    assert!(
        latest.contains(
            "SEARCH r USING PRIMARY KEY (point_id=? AND kind=? AND data_ms=? AND param_id=?)"
        ),
        "{latest}"
    );
}

#[test]
fn queries_do_not_wait_for_an_open_write_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(open(&dir.path().join("store.db")));
    store.upsert_point(&fixture::point("P-COMMITTED")).unwrap();
    // Hold the writer in the middle of a transaction, as a long group commit would.
    let mut writer = lock(&store.writer);
    let tx = writer.conn.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
    tx.execute(
        "INSERT INTO point (code, name, kind, enterprise, simulated) VALUES ('P-PENDING', 'x', 'noise', NULL, 0)",
        [],
    )
    .unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let reader_store = std::sync::Arc::clone(&store);
    let query =
        std::thread::spawn(move || sender.send(reader_store.points().map(|points| points.len())));
    // A timeout turns a regression (queries on the writer's connection) into a failure, not a hang.
    let result = receiver
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the query returned while the writer was busy");
    assert_eq!(result.unwrap(), 1, "readers see the last committed state");
    tx.commit().unwrap();
    drop(writer);
    query.join().unwrap().unwrap();
    assert_eq!(store.points().unwrap().len(), 2);
}

#[test]
fn store_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SqliteStore>();
    let _: &dyn Store = &SqliteStore::open_in_memory().unwrap();
}

#[test]
fn the_evaluators_hour_scan_uses_the_partial_raw_id_index() {
    let store = SqliteStore::open_in_memory().unwrap();
    let writer = lock(&store.writer);
    let mut statement = writer
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT DISTINCT point_id, data_ms FROM reading
             WHERE raw_id > 1 AND raw_id <= 2 AND kind = 2 AND kind = 2
             ORDER BY point_id, data_ms",
        )
        .unwrap();
    let plan: Vec<String> = statement
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .map(|row| row.unwrap())
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("INDEX reading_by_raw (raw_id>? AND raw_id<?)"), "{plan}");
}
