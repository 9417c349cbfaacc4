//! Decode cost in CPU time rather than wall time, for a shared machine.
//!
//! Criterion measures wall time, which other processes inflate on a busy
//! machine. This harness runs a fixed number of decodes and divides by the
//! process's own CPU time (user + system, from `/proc/self/stat`, Linux only),
//! so the figure is packets per CPU-second of one core.
//!
//! Run: `cargo bench -p hj212 --bench cpu_time`.

// A benchmark harness: it prints, and it may stop on a broken fixture.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use hj212::{DecodeOptions, Value};

const REALTIME: &[u8] = include_bytes!("../test_data/ok/realtime_2011_ambient.txt");
const MINUTE_FULL: &[u8] = include_bytes!("../test_data/ok/minute_2051_12_params.txt");

/// Process CPU time in clock ticks (utime + stime), or `None` off Linux.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second as Linux reports them to user space.
const TICKS_PER_SEC: f64 = 100.0;

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
    for (code, value) in [
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
    ] {
        writer.param(code).number(hj212::Field::Avg, value, 3).text(hj212::Field::Flag, "N");
    }
    let range = writer.finish().unwrap();
    buf[range].to_vec()
}

fn run(name: &str, frame: &[u8], mode: &str, n_packets: u64) {
    let options = DecodeOptions::default();
    let Some(before) = cpu_ticks() else {
        println!("cpu_time: /proc/self/stat unavailable, skipped");
        return;
    };
    let mut sink = 0.0f64;
    for _ in 0..n_packets {
        let frame = black_box(frame);
        match mode {
            "crc16_bytewise" => sink += f64::from(hj212::crc::crc16_bytewise(frame)),
            "decode_frame" => {
                sink += hj212::decode_frame(frame, &options).unwrap().cp.as_str().len() as f64
            }
            _ => {
                let packet = hj212::decode_frame(frame, &options).unwrap();
                for item in packet.cp.items() {
                    if let Value::Number(number) = item.value() {
                        sink += number;
                    }
                }
            }
        }
    }
    black_box(sink);
    let secs = (cpu_ticks().unwrap_or(before) - before) as f64 / TICKS_PER_SEC;
    if secs <= 0.0 {
        return;
    }
    let packets_per_sec = n_packets as f64 / secs;
    println!(
        "{name:22} {mode:15} {:>6.3} M packets/CPU-s {:>6.0} MB/CPU-s ({} bytes, {secs:.2} CPU-s)",
        packets_per_sec / 1e6,
        packets_per_sec * frame.len() as f64 / 1e6,
        frame.len()
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let minute_avg = minute_avg();
    let packets: [(&str, &[u8]); 3] = [
        ("realtime_2011", REALTIME),
        ("minute_2051_12_avg", &minute_avg),
        ("minute_2051_12_full", MINUTE_FULL),
    ];
    for (name, frame) in packets {
        for mode in ["crc16_bytewise", "decode_frame", "decode_values"] {
            run(name, frame, mode, 2_000_000);
        }
    }
}
