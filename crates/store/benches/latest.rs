//! "The latest value of every point" (what a live overview or a map needs),
//! `Store::latest_readings`, on generated data: 10,000 points × 6 parameters,
//! each with 10 minutes of history (600,000 readings) in a temporary file.
//! The bound is 50 ms for 10,000 points.
//!
//! Run with `cargo bench -p store --bench latest -- --warm-up-time 1 --measurement-time 5`.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use model::{DataKind, Instant, ParamCode, PointId, Reading, ReadingKey, ReadingValues};
use store::{
    IncomingPacket, IngestBatch, NewPoint, PointKind, RawPacket, SqliteOptions, SqliteStore, Store,
    Verdict,
};

const N_POINTS: usize = 10_000;
const N_MINUTES: i64 = 10;
const PARAMS: [&str; 6] = ["a34013", "a21026", "a21002", "a21005", "a01012", "a01013"];
/// 2026-11-18T17:46:40Z.
const T0_MS: i64 = 1_795_000_000_000;

fn fill(store: &dyn Store) {
    let points: Vec<PointId> = (0..N_POINTS)
        .map(|index| {
            store
                .upsert_point(&NewPoint {
                    code: format!("LATEST-{index:05}"),
                    name: format!("点位 {index}"),
                    kind: PointKind::FlueGas,
                    enterprise: None,
                    simulated: true,
                })
                .unwrap()
        })
        .collect();
    let params: Vec<ParamCode> =
        PARAMS.iter().map(|code| ParamCode::parse(code).unwrap()).collect();
    for minute in 0..N_MINUTES {
        let data_time = Instant::from_unix_millis(T0_MS + minute * 60_000).unwrap();
        for chunk in points.chunks(1_000) {
            let packets = chunk
                .iter()
                .map(|point| IncomingPacket {
                    raw: RawPacket {
                        bytes: b"##bench".to_vec(),
                        received_at: data_time,
                        peer: "bench".into(),
                        mn: None,
                        device: None,
                        cn: Some(2051),
                        verdict: Verdict::Accepted,
                        deviations: vec![],
                    },
                    readings: params
                        .iter()
                        .map(|param| Reading {
                            key: ReadingKey {
                                point: *point,
                                param: param.clone(),
                                kind: DataKind::Minute,
                                data_time,
                            },
                            values: ReadingValues {
                                avg: Some(minute as f64),
                                flag: Some("N".into()),
                                ..ReadingValues::default()
                            },
                        })
                        .collect(),
                })
                .collect();
            store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
        }
    }
}

fn latest(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("latest.db"), SqliteOptions::default()).unwrap();
    fill(&store);
    let n_expected = N_POINTS * PARAMS.len();
    assert_eq!(store.latest_readings(DataKind::Minute).unwrap().len(), n_expected);
    c.bench_function("latest_readings/10000_points_x6", |b| {
        b.iter(|| {
            let latest = store.latest_readings(DataKind::Minute).unwrap();
            assert_eq!(latest.len(), n_expected);
            latest
        })
    });
}

criterion_group!(benches, latest);
criterion_main!(benches);
