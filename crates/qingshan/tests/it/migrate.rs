//! `qingshan migrate --from sqlite://FILE --to postgres://…`: an embedded store
//! filled by a real server moves to PostgreSQL without loss, and a server on the
//! new store continues the same evidence chains.

use std::process::Command;

use model::DataKind;
use simulator::client::{FleetControl, LoadPlan, run_fleet};
use store::conformance::fixture::audit_entry;
use store::{DerivedKind, DerivedResult, DerivedStore, IngestBatch, PointLimit, RawQuery, Store};

use crate::util::{TestServer, load_plan, postgres_store};

fn plan(first_day: &str) -> LoadPlan {
    LoadPlan {
        // Some malformed packets too: archived evidence without readings.
        bad_packet_ratio: 0.2,
        ..load_plan(DataKind::Hour, first_day, chrono::Duration::hours(1), 30)
    }
}

#[test]
fn an_embedded_store_moves_to_postgres_without_loss() {
    let Some(url) = postgres_store("an_embedded_store_moves_to_postgres_without_loss") else {
        return;
    };
    let devices = simulator::fleet::fleet(4);
    let mut server = TestServer::new("");
    server.register_fleet(&devices);
    server.start();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Two months, so both partitioned tables get several partitions.
    for first_day in ["2026-09-30", "2026-10-31"] {
        let report = runtime.block_on(run_fleet(
            server.gateway,
            devices.clone(),
            plan(first_day),
            FleetControl::new(),
        ));
        assert_eq!(report.n_acked(), 4 * 30);
    }
    server.stop();
    let source = server.open_store();
    let point = source.points().unwrap()[0].id;
    source
        .commit_batch(&IngestBatch {
            audit: vec![audit_entry(0, "device_created"), audit_entry(1, "device_refused")],
            ..IngestBatch::default()
        })
        .unwrap();
    let limit = PointLimit {
        point,
        param: "a21026".to_owned(),
        limit: serde_json::json!({"unit": "mg/m3"}),
    };
    source.set_point_limit(&limit).unwrap();
    let result = DerivedResult {
        kind: DerivedKind::AirDaily,
        point,
        start: model::Instant::from_unix_millis(1_790_000_000_000).unwrap(),
        period: "2026-09-22".to_owned(),
        edition: "HJ 633-2026".to_owned(),
        detail: serde_json::json!({"aqi": 42}),
        computed_at: model::Instant::from_unix_millis(1_790_000_100_000).unwrap(),
    };
    source.commit_derived(std::slice::from_ref(&result), "evaluation", 17).unwrap();
    let all_raw = RawQuery { limit: 1_000_000, ..RawQuery::default() };
    let source_raw = source.raw_packets(&all_raw).unwrap();
    let source_heads: Vec<_> =
        source.verify_evidence().unwrap().into_iter().map(|check| check.outcome.unwrap()).collect();
    drop(source);

    let output = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["migrate", "--from", &format!("sqlite://{}", server.store_path().display())])
        .args(["--to", &url])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("migrated without loss"), "{text}");

    let target = store::PgStore::open(&url, store::PgOptions::default()).unwrap();
    assert_eq!(
        target.raw_packets(&all_raw).unwrap(),
        source_raw,
        "every raw packet, byte for byte"
    );
    let target_heads: Vec<_> =
        target.verify_evidence().unwrap().into_iter().map(|check| check.outcome.unwrap()).collect();
    assert_eq!(target_heads, source_heads, "the same chains, verified on the target");
    assert_eq!(target.point_limits(point).unwrap(), vec![limit]);
    assert_eq!(target.watermark("evaluation").unwrap(), 17);
    assert_eq!(
        target
            .derived(&store::DerivedQuery {
                kind: DerivedKind::AirDaily,
                point: None,
                from: result.start,
                to: result.computed_at,
                limit: 10
            })
            .unwrap(),
        vec![result]
    );

    // A second migrate into the same database is refused: it is no longer empty.
    let again = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["migrate", "--from", &format!("sqlite://{}", server.store_path().display())])
        .args(["--to", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());

    // A server on the new store continues the chains and the ids.
    let mut moved = TestServer::with_store("", Some(&url));
    moved.start();
    let report = runtime.block_on(run_fleet(
        moved.gateway,
        devices.clone(),
        plan("2026-12-01"),
        FleetControl::new(),
    ));
    assert_eq!(report.n_acked(), 4 * 30);
    moved.stop();
    let newest = target.raw_packets(&RawQuery { limit: 1, ..RawQuery::default() }).unwrap();
    assert!(newest[0].id > source_raw[0].id, "ids continue after the copied ones");
    for check in target.verify_evidence().unwrap() {
        assert!(check.outcome.is_ok(), "{}: {:?}", check.table, check.outcome);
    }
}
