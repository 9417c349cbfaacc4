//! Decode throughput: a realtime packet and 12-parameter minute packets.
//!
//! Run: `cargo bench -p hj212 -- --warm-up-time 1 --measurement-time 3`.
//!
//! For each packet, in both bytes/s and packets/s:
//! - `crc16_bytewise`: the plain CRC-only pass over the frame (the baseline);
//! - `crc16`: the sliced CRC the decoder uses;
//! - `decode_frame`: framing checks, CRC, UTF-8, header, CP syntax scan;
//! - `decode_values`: `decode_frame` plus reading every CP item's typed value;
//! - `deframe_decode`: a stream of the packet in 4 KiB reads through the
//!   `Deframer`, each frame decoded (per packet; includes the frame copy).
//!
//! Recorded 2026-11-29 on the shared 2-core VM while four other builds ran
//! (load average 3.5-4.8), so wall-clock figures swing by ±40 % between runs;
//! `benches/cpu_time.rs` measures the same work per CPU-second and is the
//! steadier figure (same run):
//!
//! | packet (frame bytes)          | plain CRC pass | decode_frame       | decode_values     |
//! |-------------------------------|----------------|--------------------|-------------------|
//! | realtime 2011 (320)           | 1.67 M/s       | 1.71 M/s, 547 MB/s | 1.07 M/s, 342 MB/s |
//! | minute 2051, 12 Avg+Flag (503)| 1.02 M/s       | 1.14 M/s, 575 MB/s | 0.65 M/s, 329 MB/s |
//! | minute 2051, 12 full (977)    | 0.52 M/s       | 0.64 M/s, 622 MB/s | 0.31 M/s, 301 MB/s |
//!
//! (packets per CPU-second of one core). Decoding costs about 0.9x the time of
//! a plain byte-at-a-time CRC pass over the same bytes, because the decoder's
//! CRC folds 8 bytes per step.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use hj212::{DecodeOptions, Deframer, DeframerConfig, FrameEvent, Value};

const REALTIME: &[u8] = include_bytes!("../test_data/ok/realtime_2011_ambient.txt");
const MINUTE_FULL: &[u8] = include_bytes!("../test_data/ok/minute_2051_12_params.txt");

/// A 12-parameter minute packet with `Avg` and `Flag` per parameter, shaped
/// like the real air-station packet in `test_data/ok/real_2051_minute_air_station.txt`.
fn minute_avg() -> Vec<u8> {
    let mut buf = Vec::new();
    let header = hj212::Header {
        qn: Some("20220513162608370"),
        st: "22",
        cn: "2051",
        pw: Some("123456"),
        mn: "010000A8900016F000169DC0",
        flag: Some(hj212::Flag(4)),
        subpacket: None,
    };
    let mut writer = hj212::PacketWriter::begin(&mut buf, &header);
    writer.plain("DataTime", "20220513162600");
    let params = [
        ("a21004", 4.0),
        ("a05024", 63.0),
        ("a21026", 6.0),
        ("a21005", 0.427),
        ("a34004", 14.0),
        ("a34002", 31.0),
        ("a01007", 1.2),
        ("a01008", 11.0),
        ("a01001", 17.3),
        ("a01002", 85.0),
        ("a01006", 95.2),
        ("a34001", 120.0),
    ];
    for (code, value) in params {
        writer.param(code).number(hj212::Field::Avg, value, 3).text(hj212::Field::Flag, "N");
    }
    let range = writer.finish().expect("the benchmark packet encodes");
    buf[range].to_vec()
}

fn decode_values(frame: &[u8]) -> f64 {
    let packet = hj212::decode_frame(frame, &DecodeOptions::default()).expect("valid packet");
    let mut sum = 0.0;
    for item in packet.cp.items() {
        if let Value::Number(number) = item.value() {
            sum += number;
        }
    }
    sum
}

fn bench(c: &mut Criterion) {
    let minute_avg = minute_avg();
    let packets: [(&str, &[u8]); 3] = [
        ("realtime_2011", REALTIME),
        ("minute_2051_12_avg", &minute_avg),
        ("minute_2051_12_full", MINUTE_FULL),
    ];
    for (throughput_name, per_packet) in [("bytes", true), ("packets", false)] {
        let mut group = c.benchmark_group(format!("hj212_{throughput_name}"));
        for (name, frame) in packets {
            let n_bytes = frame.len() as u64;
            let throughput =
                if per_packet { Throughput::Bytes(n_bytes) } else { Throughput::Elements(1) };
            group.throughput(throughput.clone());
            let segment = &frame[6..frame.len() - 6];
            group.bench_with_input(BenchmarkId::new("crc16_bytewise", name), frame, |b, frame| {
                b.iter(|| hj212::crc::crc16_bytewise(black_box(frame)))
            });
            group.bench_with_input(BenchmarkId::new("crc16", name), segment, |b, segment| {
                b.iter(|| hj212::crc::crc16(black_box(segment)))
            });
            group.bench_with_input(BenchmarkId::new("decode_frame", name), frame, |b, frame| {
                b.iter(|| {
                    hj212::decode_frame(black_box(frame), &DecodeOptions::default())
                        .map(|packet| packet.cp.as_str().len())
                })
            });
            group.bench_with_input(BenchmarkId::new("decode_values", name), frame, |b, frame| {
                b.iter(|| decode_values(black_box(frame)))
            });
            // 64 copies of the packet, pushed in 4 KiB reads.
            let stream: Vec<u8> = frame.repeat(64);
            group.throughput(match throughput {
                Throughput::Bytes(n) => Throughput::Bytes(n * 64),
                _ => Throughput::Elements(64),
            });
            group.bench_with_input(
                BenchmarkId::new("deframe_decode", name),
                &stream,
                |b, stream| {
                    let mut deframer = Deframer::new(DeframerConfig::default());
                    b.iter(|| {
                        let mut n_ok = 0usize;
                        for chunk in stream.chunks(4096) {
                            deframer.push(chunk);
                            while let Some(event) = deframer.next_event() {
                                if let FrameEvent::Frame(frame) = event
                                    && hj212::decode_frame(&frame, &DecodeOptions::default())
                                        .is_ok()
                                {
                                    n_ok += 1;
                                }
                            }
                        }
                        n_ok
                    })
                },
            );
        }
        group.finish();
    }
}

/// Criterion's generated group function carries no docs.
mod harness {
    #![allow(missing_docs)]
    use super::bench;
    criterion::criterion_group!(benches, bench);
}

criterion_main!(harness::benches);
