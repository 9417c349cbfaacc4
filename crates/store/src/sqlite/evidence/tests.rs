use std::path::Path;

use model::DataKind;

use super::super::{SqliteOptions, SqliteStore, migrate};
use crate::conformance::fixture;
use crate::{IncomingPacket, IngestBatch, RawPacket, Store, Verdict};

/// (table, reason, row id) of the first broken link, or `None` when both chains are intact.
type Broken = Option<(&'static str, &'static str, i64)>;

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions { n_readers: 1, ..SqliteOptions::default() }).unwrap()
}

fn malformed_packet(offset_ms: i64) -> IncomingPacket {
    IncomingPacket {
        raw: RawPacket {
            bytes: b"##0012garbage\xff\r\n".to_vec(),
            received_at: fixture::at(offset_ms),
            peer: "10.0.0.8:1".to_owned(),
            mn: None,
            device: None,
            cn: None,
            verdict: Verdict::Malformed { reason: "bad_crc".to_owned() },
            deviations: vec!["lowercase_crc".to_owned()],
        },
        readings: vec![],
    }
}

/// Six raw packets (accepted, refused, malformed) and three audit entries, in three batches.
fn fill(store: &dyn Store) {
    let (point, device) = fixture::point_and_device(store, "MN-1");
    for round in 0..3 {
        let offset = round * 60_000;
        let mut batch = IngestBatch::default();
        let reading = fixture::reading(point, "a34004", DataKind::Minute, offset, 1.0);
        batch.packets.push(fixture::accepted_packet(device, vec![reading], offset));
        if round == 1 {
            batch.packets.push(fixture::refused_packet(b"##refused\r\n", offset + 1));
            batch.packets.push(malformed_packet(offset + 2));
        } else {
            batch.packets.push(fixture::refused_packet(b"##x\r\n", offset + 1));
        }
        batch.audit.push(fixture::audit_entry(offset, "device_refused"));
        store.commit_batch(&batch).unwrap();
    }
}

/// The first broken link of `store`'s chains; asserts the intact counts otherwise.
fn first_break(store: &dyn Store) -> Broken {
    let checks = store.verify_evidence().unwrap();
    assert_eq!(checks.iter().map(|check| check.table).collect::<Vec<_>>(), ["raw_packet", "audit"]);
    checks.into_iter().find_map(|check| match check.outcome {
        Ok(_) => None,
        Err(error) => Some((check.table, error.reason(), error.id())),
    })
}

/// Fills a store file, checks it verifies, then tampers with it through another
/// connection after dropping the append-only triggers, and verifies again.
fn check(tamper: &str, expected: Broken) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let store = open(&path);
        fill(&store);
        let checks = store.verify_evidence().unwrap();
        assert_eq!(checks[0].n_intact, 7);
        assert_eq!(checks[1].n_intact, 3);
        assert!(checks.iter().all(|check| check.outcome.is_ok()), "{checks:?}");
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TRIGGER raw_packet_no_update; DROP TRIGGER raw_packet_no_delete;
             DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;",
        )
        .unwrap();
        conn.execute_batch(tamper).unwrap();
    }
    assert_eq!(first_break(&open(&path)), expected, "{tamper}");
}

#[test]
fn an_untouched_file_verifies() {
    check("", None);
}

#[test]
fn a_modified_raw_packet_byte_is_found() {
    check(
        "UPDATE raw_packet SET bytes = CAST(substr(bytes, 1, 4) || 'X' || substr(bytes, 6) AS BLOB) WHERE id = 3",
        Some(("raw_packet", "modified", 3)),
    );
}

#[test]
fn a_deleted_middle_row_is_found() {
    check("DELETE FROM raw_packet WHERE id = 3", Some(("raw_packet", "deleted", 4)));
}

#[test]
fn a_deleted_last_row_is_found() {
    check("DELETE FROM raw_packet WHERE id = 7", Some(("raw_packet", "truncated", 7)));
    check("DELETE FROM audit WHERE id = 3", Some(("audit", "truncated", 3)));
}

#[test]
fn swapped_rows_are_found() {
    check(
        "CREATE TEMP TABLE moved AS SELECT * FROM raw_packet WHERE id IN (2, 3);
         UPDATE raw_packet SET (received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes, chain_hash) =
             (SELECT received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes, chain_hash
              FROM moved WHERE moved.id = 5 - raw_packet.id)
         WHERE id IN (2, 3);",
        Some(("raw_packet", "modified", 2)),
    );
}

#[test]
fn a_modified_audit_detail_is_found() {
    check(
        r#"UPDATE audit SET detail = '{"reason":"nothing to see"}' WHERE id = 2"#,
        Some(("audit", "modified", 2)),
    );
}

#[test]
fn a_rewritten_head_is_found() {
    check(
        "UPDATE chain_head SET last_hash = zeroblob(32) WHERE name = 'audit'",
        Some(("audit", "head_mismatch", 3)),
    );
}

#[test]
fn a_failed_batch_leaves_the_chain_intact() {
    let store = SqliteStore::open_in_memory().unwrap();
    fill(&store);
    let mut batch = IngestBatch::default();
    batch.packets.push(fixture::refused_packet(b"##y\r\n", 1));
    batch.audit.push(fixture::audit_entry(1, "device_refused"));
    // A reading of an unknown point makes the whole batch fail.
    let reading = fixture::reading(model::PointId(999), "a34004", DataKind::Minute, 0, 1.0);
    batch.packets.push(fixture::accepted_packet(model::DeviceId(1), vec![reading], 2));
    store.commit_batch(&batch).unwrap_err();
    fill(&store);
    assert_eq!(first_break(&store), None);
    assert_eq!(store.verify_evidence().unwrap()[0].n_intact, 14);
}

#[test]
fn rows_that_predate_the_chain_are_hashed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate::migrate_to(&mut conn, 3).unwrap();
        conn.execute_batch(
            "INSERT INTO raw_packet (received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes)
             VALUES (1, '10.0.0.1:1', NULL, NULL, NULL, 'malformed', 'bad_crc', '[]', x'2323');
             INSERT INTO audit (at_ms, actor, action, subject, detail) VALUES (2, 'system', 'x', 'y', '{}');",
        )
        .unwrap();
    }
    {
        let store = open(&path);
        assert_eq!(first_break(&store), None);
        fill(&store);
        let checks = store.verify_evidence().unwrap();
        assert_eq!((checks[0].n_intact, checks[1].n_intact), (8, 4));
        assert_eq!(first_break(&store), None);
    }
    // Reopening keeps the chain going from the stored head.
    let store = open(&path);
    fill(&store);
    assert_eq!(first_break(&store), None);
}
