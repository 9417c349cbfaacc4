//! Commit throughput of the SQLite store: group commits of 500 packets × 12 readings.
//!
//! - `file/new_readings`: the real case, a temporary file in WAL mode with
//!   `synchronous=FULL` (one fsync of the log per batch, plus checkpoints).
//! - `file/all_duplicate`: the same batch committed again, every reading a
//!   duplicate; the raw packets are still archived (re-sent packets are evidence).
//! - `file/catch_up`: 50 devices re-sending 10 minutes of history each per
//!   batch (after an outage): same size, but 10 times fewer points per batch.
//! - `memory/new_readings`: the in-memory database, no disk at all: the cost of
//!   SQLite and our encoding alone, the ceiling for the file case.
//!
//! Throughput is in readings per second. Run with
//! `cargo bench -p store --bench commit -- --warm-up-time 1 --measurement-time 5`.

#![allow(missing_docs, clippy::unwrap_used)]

use std::cell::Cell;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use model::{DataKind, DeviceId, Instant, ParamCode, PointId, Reading, ReadingKey, ReadingValues};
use store::{
    DeviceLeniency, DeviceSighting, IncomingPacket, IngestBatch, NewDevice, NewPoint, PointKind,
    RawPacket, SqliteOptions, SqliteStore, Store, Verdict,
};

const N_PACKETS: usize = 500;
const PARAMS: [&str; 12] = [
    "a34013", "a21026", "a21002", "a21005", "a01012", "a01013", "a01014", "a01011", "a00000",
    "a34004", "a34002", "a21004",
];
/// 2026-11-18T17:46:40Z.
const T0_MS: i64 = 1_795_000_000_000;
const MINUTE_MS: i64 = 60_000;

fn at(ms: i64) -> Instant {
    Instant::from_unix_millis(ms).unwrap()
}

/// Registers one point and one device per packet of a batch.
fn register(store: &dyn Store) -> Vec<(PointId, DeviceId)> {
    (0..N_PACKETS)
        .map(|index| {
            let point = store
                .upsert_point(&NewPoint {
                    code: format!("BENCH-{index:04}"),
                    name: format!("基准 {index}"),
                    kind: PointKind::FlueGas,
                    enterprise: None,
                    simulated: true,
                })
                .unwrap();
            let device = store
                .upsert_device(&NewDevice {
                    mn: model::Mn::parse(&format!("BENCHMN{index:06}")).unwrap(),
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                    protocol: "2017".to_owned(),
                    point,
                    leniency: DeviceLeniency::default(),
                    simulated: true,
                })
                .unwrap();
            (point, device)
        })
        .collect()
}

/// The minute data of every device for minute number `round`: 500 packets × 12 readings.
fn batch(devices: &[(PointId, DeviceId)], round: i64) -> IngestBatch {
    let senders: Vec<(usize, i64)> = (0..devices.len()).map(|index| (index, round)).collect();
    batch_from(devices, &senders)
}

/// Ten minutes of history from each of 50 devices: 500 packets × 12 readings.
fn catch_up_batch(devices: &[(PointId, DeviceId)], round: i64) -> IngestBatch {
    let n_groups = (devices.len() / 50) as i64;
    let first_device = ((round % n_groups) * 50) as usize;
    // Each pass over all devices moves 10 minutes further.
    let first_minute = (round / n_groups) * 10;
    let senders: Vec<(usize, i64)> = (first_device..first_device + 50)
        .flat_map(|index| (first_minute..first_minute + 10).map(move |minute| (index, minute)))
        .collect();
    batch_from(devices, &senders)
}

/// One packet of 12 minute readings per (device index, minute number).
fn batch_from(devices: &[(PointId, DeviceId)], senders: &[(usize, i64)]) -> IngestBatch {
    let params: Vec<ParamCode> =
        PARAMS.iter().map(|code| ParamCode::parse(code).unwrap()).collect();
    let mut packets = Vec::with_capacity(senders.len());
    let mut sightings = Vec::with_capacity(senders.len());
    for &(index, round) in senders {
        let (point, device) = devices[index];
        let data_time = at(T0_MS + round * MINUTE_MS);
        let received_at = at(T0_MS + round * MINUTE_MS + 1_500);
        let readings: Vec<Reading> = params
            .iter()
            .enumerate()
            .map(|(param_index, param)| {
                let value = (index * 12 + param_index) as f64 / 8.0 + round as f64;
                Reading {
                    key: ReadingKey {
                        point,
                        param: param.clone(),
                        kind: DataKind::Minute,
                        data_time,
                    },
                    values: ReadingValues {
                        min: Some(value - 1.0),
                        avg: Some(value),
                        max: Some(value + 1.0),
                        flag: Some("N".to_owned()),
                        ..ReadingValues::default()
                    },
                }
            })
            .collect();
        let cp: String = readings
            .iter()
            .map(|reading| {
                let avg = reading.values.avg.unwrap_or_default();
                format!(
                    "{}-Min={:.2},{}-Avg={avg:.2},{}-Max={:.2},{}-Flag=N;",
                    reading.key.param,
                    avg - 1.0,
                    reading.key.param,
                    reading.key.param,
                    avg + 1.0,
                    reading.key.param
                )
            })
            .collect();
        let bytes = format!(
            "##1234QN=20261119014640000;ST=31;CN=2051;PW=123456;MN=BENCHMN{index:06};Flag=5;CP=&&DataTime=20261119014600;{cp}&&ABCD\r\n"
        );
        let peer = format!("10.0.{}.{}:50312", index / 250, index % 250);
        packets.push(IncomingPacket {
            raw: RawPacket {
                bytes: bytes.into_bytes(),
                received_at,
                peer: peer.clone(),
                mn: Some(format!("BENCHMN{index:06}")),
                device: Some(device),
                cn: Some(2051),
                verdict: Verdict::Accepted,
                deviations: vec![],
            },
            readings,
        });
        sightings.push(DeviceSighting {
            device,
            at: received_at,
            peer,
            latest_data_time: Some(data_time),
        });
    }
    IngestBatch { packets, sightings, audit: vec![], connections: vec![] }
}

fn commit(c: &mut Criterion) {
    let n_readings = (N_PACKETS * PARAMS.len()) as u64;
    let mut group = c.benchmark_group("commit_500x12");
    group.throughput(Throughput::Elements(n_readings));
    group.sample_size(10);

    let dir = tempfile::tempdir().unwrap();
    let file_store =
        SqliteStore::open(&dir.path().join("bench.db"), SqliteOptions::default()).unwrap();
    let devices = register(&file_store);
    let round = Cell::new(0_i64);
    group.bench_function("file/new_readings", |b| {
        b.iter_batched(
            || {
                round.set(round.get() + 1);
                batch(&devices, round.get())
            },
            |batch| {
                let report = file_store.commit_batch(&batch).unwrap();
                assert_eq!(report.packets[0].n_duplicate, 0);
            },
            BatchSize::LargeInput,
        );
    });

    let repeated = batch(&devices, 0);
    file_store.commit_batch(&repeated).unwrap();
    group.bench_function("file/all_duplicate", |b| {
        b.iter(|| {
            let report = file_store.commit_batch(&repeated).unwrap();
            assert_eq!(report.packets[0].n_inserted, 0);
        });
    });

    let catch_up_store =
        SqliteStore::open(&dir.path().join("catch_up.db"), SqliteOptions::default()).unwrap();
    let catch_up_devices = register(&catch_up_store);
    let catch_up_round = Cell::new(0_i64);
    group.bench_function("file/catch_up", |b| {
        b.iter_batched(
            || {
                catch_up_round.set(catch_up_round.get() + 1);
                catch_up_batch(&catch_up_devices, catch_up_round.get())
            },
            |batch| {
                let report = catch_up_store.commit_batch(&batch).unwrap();
                assert_eq!(report.packets[0].n_duplicate, 0);
            },
            BatchSize::LargeInput,
        );
    });

    let memory_store = SqliteStore::open_in_memory().unwrap();
    let memory_devices = register(&memory_store);
    let memory_round = Cell::new(0_i64);
    group.bench_function("memory/new_readings", |b| {
        b.iter_batched(
            || {
                memory_round.set(memory_round.get() + 1);
                batch(&memory_devices, memory_round.get())
            },
            |batch| {
                memory_store.commit_batch(&batch).unwrap();
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, commit);
criterion_main!(benches);
