//! Per-area results over a year (issue #7): `GET /api/v1/air/areas/{area}`
//! and `GET /api/v1/water/areas/{area}` for 366 Beijing days, through the
//! router, on the sample registry of 五通桥区 with a year of hourly data for
//! every air station (6 pollutants) and every section (8 items) in a
//! temporary SQLite file.
//!
//! Each query is timed twice: `cold`, with a fresh web state per request (what
//! every request cost before the area results were cached), and `repeated`,
//! the same request again on one state. The baseline of the same run is one
//! town with a single station (`511112103`, 金山镇) and one river with two
//! sections (`MOXI`).
//!
//! Run with `cargo bench -p web --bench areas -- --warm-up-time 1 --measurement-time 5`.

#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use model::{BeijingTime, DataKind, Instant, ParamCode, Reading, ReadingKey, ReadingValues};
use store::{IncomingPacket, IngestBatch, PointKind, RawPacket, SqliteOptions, SqliteStore, Store};
use tower::ServiceExt;

const FROM: &str = "2025-11-28";
const TO: &str = "2026-11-28";
const AIR: [(&str, f64); 6] = [
    ("a34004", 40.0),
    ("a34002", 70.0),
    ("a21026", 10.0),
    ("a21004", 30.0),
    ("a21005", 0.8),
    ("a05024", 90.0),
];
const WATER: [(&str, f64); 8] = [
    ("w01001", 7.5),
    ("w01009", 7.0),
    ("w01019", 3.0),
    ("w01018", 12.0),
    ("w21003", 0.4),
    ("w21011", 0.08),
    ("w21001", 1.1),
    ("w01010", 18.0),
];

/// A year and a day of hours (from the day before `FROM`) for every air
/// station and section, values wandering around a level (deterministic).
fn fill(store: &SqliteStore) {
    registry::import::import(store, &registry::sample::files(), "bench", at_hour(0), true).unwrap();
    let points = store.points().unwrap();
    let n_hours = (date(TO) - date(FROM)).num_hours() + 48;
    for point in &points {
        let params: &[(&str, f64)] = match point.point.kind {
            PointKind::AirStation => &AIR,
            PointKind::SurfaceWater => &WATER,
            _ => continue,
        };
        let params: Vec<(ParamCode, f64)> =
            params.iter().map(|(code, level)| (ParamCode::parse(code).unwrap(), *level)).collect();
        for chunk in (0..n_hours).collect::<Vec<_>>().chunks(2_000) {
            let packets = chunk
                .iter()
                .map(|&h| {
                    let data_time = at_hour(h);
                    let wave = ((h * 7 + point.id.0 * 13) % 24) as f64 / 24.0;
                    IncomingPacket {
                        raw: RawPacket {
                            bytes: b"##bench".to_vec(),
                            received_at: data_time,
                            peer: "bench".into(),
                            mn: None,
                            device: None,
                            cn: Some(2061),
                            verdict: store::Verdict::Accepted,
                            deviations: vec![],
                        },
                        readings: params
                            .iter()
                            .map(|(param, level)| Reading {
                                key: ReadingKey {
                                    point: point.id,
                                    param: param.clone(),
                                    kind: DataKind::Hour,
                                    data_time,
                                },
                                values: ReadingValues {
                                    avg: Some(level * (0.6 + 0.8 * wave)),
                                    flag: Some("N".into()),
                                    ..ReadingValues::default()
                                },
                            })
                            .collect(),
                    }
                })
                .collect();
            store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
        }
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The start of hour `h` counted from the day before [`FROM`], Beijing time.
fn at_hour(h: i64) -> Instant {
    let first = (date(FROM) - Duration::days(1)).and_hms_opt(0, 0, 0).unwrap();
    BeijingTime(first + Duration::hours(h)).to_instant()
}

fn state(store: Arc<dyn Store>) -> web::AppState {
    web::AppState {
        store,
        registry: Arc::new(prometheus_client::registry::Registry::default()),
        clock: Arc::new(model::time::FixedClock(at_hour(24 * 367))),
        web: Arc::default(),
    }
}

async fn get(state: web::AppState, uri: &str) -> usize {
    let response =
        web::router(state).oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().len()
}

fn areas(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("areas.db"), SqliteOptions::default()).unwrap();
    fill(&store);
    let store: Arc<dyn Store> = Arc::new(store);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let shared = state(store.clone());
    let mut group = c.benchmark_group("areas_366_days");
    group.sample_size(10);
    for (name, path) in [
        ("air_one_station", "air/areas/511112103"),
        ("air_district", "air/areas/district"),
        ("water_one_river", "water/areas/MOXI"),
        ("water_district", "water/areas/district"),
    ] {
        let uri = format!("/api/v1/{path}?from={FROM}&to={TO}");
        group.bench_function(format!("{name}/cold"), |b| {
            b.iter(|| runtime.block_on(get(state(store.clone()), &uri)))
        });
        group.bench_function(format!("{name}/repeated"), |b| {
            b.iter(|| runtime.block_on(get(shared.clone(), &uri)))
        });
    }
    group.finish();
}

criterion_group!(benches, areas);
criterion_main!(benches);
