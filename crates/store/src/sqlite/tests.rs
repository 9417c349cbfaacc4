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
    {
        let writer = lock(&store.writer);
        // Foreign keys are off only for this repair-style tampering.
        writer.conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        writer.conn.execute("UPDATE reading SET kind = 9", []).unwrap();
        writer.conn.execute("UPDATE device SET leniency = 'not json', mn = 'bad mn'", []).unwrap();
        writer.conn.execute("UPDATE point SET kind = 'volcano'", []).unwrap();
        writer.conn.execute("UPDATE param SET code = 'has space'", []).unwrap();
    }
    let latest = store.latest_readings(DataKind::Minute).unwrap();
    assert!(latest.is_empty(), "kind 9 is not minute data");
    let error = store
        .readings(&ReadingQuery {
            point,
            kind: DataKind::Minute,
            params: vec![],
            from: fixture::at(0),
            to: fixture::at(1_000_000_000),
            limit: 10,
        })
        .unwrap();
    assert!(error.is_empty());
    {
        let writer = lock(&store.writer);
        writer.conn.execute("UPDATE reading SET kind = 1, data_ms = 'soon'", []).unwrap();
    }
    let error = store.latest_readings(DataKind::Minute).unwrap_err();
    assert_eq!(error.reason(), "corrupt", "{error}");
    assert!(matches!(store.devices().unwrap_err(), Error::Corrupt { table: "device", .. }));
    assert!(matches!(
        store.points().unwrap_err(),
        Error::Corrupt { table: "point", column: "kind", .. }
    ));
}

#[test]
fn range_queries_use_the_primary_key() {
    let store = SqliteStore::open_in_memory().unwrap();
    let writer = lock(&store.writer);
    let plan = |sql: &str| -> String {
        let mut statement = writer.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = statement.query_map([], |row| row.get::<_, String>(3)).unwrap();
        rows.map(|row| row.unwrap()).collect::<Vec<_>>().join("\n")
    };
    let readings = plan(
        "SELECT r.data_ms FROM reading r JOIN param q ON q.id = r.param_id
         WHERE r.point_id = 1 AND r.kind = 1 AND r.param_id IN (SELECT id FROM param)
           AND r.data_ms >= 0 AND r.data_ms < 10 ORDER BY r.data_ms, q.code LIMIT 5",
    );
    assert!(
        readings.contains("SEARCH r USING PRIMARY KEY (point_id=? AND kind=? AND param_id=? AND data_ms>? AND data_ms<?)"),
        "{readings}"
    );
}
