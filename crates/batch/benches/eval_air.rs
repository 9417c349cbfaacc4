//! `eval air` end to end on 10 million rows: CSV bytes in memory to daily
//! AQI CSV bytes, against two baselines over the same bytes.
//!
//! Run: `cargo bench -p batch --bench eval_air`.
//!
//! The input is generated once: 190 stations × 8 760 hours (2025) × 6
//! pollutants = 9 986 400 rows in the long layout
//! (`S001,2025-01-01 01:00,PM2.5,36`), about 295 MB. Throughput is in rows
//! (criterion's "elements"):
//! - `split_lines`: splitting the bytes into lines and counting them (the
//!   floor for any line-oriented reader);
//! - `csv_records`: the `csv` crate reading every record as a `ByteRecord`
//!   (the floor for this crate's reader);
//! - `eval_air_daily`: the whole pipeline, `batch::air::eval_air`: parse,
//!   group, evaluate 69 350 station-days with `standards`, write the CSV.

use std::hint::black_box;
use std::time::Duration;

use batch::air::{AirConfig, eval_air};
use chrono::{Duration as Hours, NaiveDate};
use criterion::{Criterion, Throughput, criterion_main};

const N_STATIONS: usize = 190;
const N_HOURS: i64 = 8760;

/// A small deterministic generator (xorshift64*), so the input is the same
/// on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// The long-layout CSV and its number of data rows.
fn generate() -> (Vec<u8>, u64) {
    use std::io::Write;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).and_then(|d| d.and_hms_opt(1, 0, 0));
    let Some(start) = start else { return (Vec::new(), 0) };
    let labels: Vec<String> = (0..N_HOURS)
        .map(|h| (start + Hours::hours(h)).format("%Y-%m-%d %H:%M").to_string())
        .collect();
    let mut out = Vec::with_capacity(340 << 20);
    out.extend_from_slice(b"station,time,pollutant,value\n");
    let mut n_rows = 0u64;
    for station in 0..N_STATIONS {
        for label in &labels {
            let r = rng.next();
            let so2 = 2 + r % 30;
            let no2 = 5 + (r >> 8) % 80;
            let co = 2 + (r >> 16) % 25; // tenths of mg/m³
            let o3 = 5 + (r >> 24) % 220;
            let pm10 = 10 + (r >> 32) % 180;
            let pm25 = 3 + (r >> 40) % 140;
            let _ = writeln!(out, "S{station:03},{label},SO2,{so2}");
            let _ = writeln!(out, "S{station:03},{label},NO2,{no2}");
            let _ = writeln!(out, "S{station:03},{label},CO,{}.{}", co / 10, co % 10);
            let _ = writeln!(out, "S{station:03},{label},O3,{o3}");
            let _ = writeln!(out, "S{station:03},{label},PM10,{pm10}");
            let _ = writeln!(out, "S{station:03},{label},PM2.5,{pm25}");
            n_rows += 6;
        }
    }
    (out, n_rows)
}

fn bench(c: &mut Criterion) {
    let (input, n_rows) = generate();
    eprintln!("eval_air bench input: {n_rows} rows, {} bytes", input.len());
    let mut group = c.benchmark_group("eval_air_10m");
    group.throughput(Throughput::Elements(n_rows));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("split_lines", |b| {
        b.iter(|| black_box(&input).split(|&byte| byte == b'\n').filter(|l| !l.is_empty()).count())
    });
    group.bench_function("csv_records", |b| {
        b.iter(|| {
            let mut reader =
                csv::ReaderBuilder::new().has_headers(false).from_reader(black_box(&input[..]));
            let mut record = csv::ByteRecord::new();
            let mut n = 0u64;
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                n += 1;
            }
            n
        })
    });
    let mut output = Vec::with_capacity(16 << 20);
    group.bench_function("eval_air_daily", |b| {
        b.iter(|| {
            output.clear();
            let summary = eval_air(black_box(&input[..]), &mut output, &AirConfig::default());
            assert!(summary.is_ok_and(|s| s.n_refused == 0 && s.n_rows == n_rows));
            output.len()
        })
    });
    group.finish();
}

/// The benchmark group, configured from the command line.
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
}

criterion_main!(benches);
