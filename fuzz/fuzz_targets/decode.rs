//! Fuzz target: any bytes through the deframer, the decoder (strict and
//! lenient), the JSON rendering and the reassembler. Nothing may panic, and
//! every refusal must carry a reason from `hj212::REASONS`.
//!
//! Run with `cargo +nightly fuzz run decode` from the repository root.

#![no_main]

use hj212::{DecodeOptions, Deframer, DeframerConfig, FrameEvent, Reassembler, ReassemblyConfig};
use libfuzzer_sys::fuzz_target;

fn check(result: &hj212::Result<hj212::Packet<'_>>) {
    if let Err(error) = result {
        assert!(
            hj212::REASONS.contains(&error.reason()),
            "unknown reason {:?} for {error}",
            error.reason()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let lenient =
        DecodeOptions { accept_modbus_crc: true, skip_crc: true, accept_wrong_length: true };
    let mut deframer = Deframer::new(DeframerConfig { max_segment_bytes: 1500 });
    let mut reassembler = Reassembler::new(ReassemblyConfig {
        max_open_sets: 4,
        max_bytes: 4096,
        max_parts: 16,
        timeout_ms: 10,
    });
    // Split the input where its first byte says, to exercise partial reads.
    let split = data.first().map_or(0, |&byte| usize::from(byte)).min(data.len());
    let (head, tail) = data.split_at(split);
    let mut now_ms = 0u64;
    for chunk in [head, tail] {
        deframer.push(chunk);
        while let Some(event) = deframer.next_event() {
            if let FrameEvent::Frame(frame) = event {
                for options in [DecodeOptions::default(), lenient] {
                    let result = hj212::decode_frame(&frame, &options);
                    check(&result);
                    let _ = hj212::json::to_json(&result);
                    if let Ok(packet) = result {
                        for item in packet.cp.items() {
                            let _ = item.value();
                        }
                        now_ms += 1;
                        let _ = reassembler.push(&packet, now_ms);
                        let mut answer = Vec::new();
                        let _ = hj212::encode::data_answer(&mut answer, &packet);
                    }
                }
            }
        }
    }
    deframer.finish();
    while deframer.next_event().is_some() {}
    if let Ok(text) = std::str::from_utf8(data) {
        check(&hj212::decode_segment(text));
    }
});
