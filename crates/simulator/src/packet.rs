//! HJ 212 packets as a virtual device writes and reads them.

use chrono::{Datelike, NaiveDateTime, Timelike};
use hj212::{DecodeOptions, Field, Flag, FrameEvent, Header, PacketWriter, Version};
use model::DataKind;

use crate::fleet::VirtualDevice;
use crate::signal;

/// Reference oxygen (%) used for converted (折算) values of simulated flue gas.
const REFERENCE_O2_PERCENT: f64 = 9.0;

fn local(time: NaiveDateTime) -> Option<hj212::LocalDateTime> {
    hj212::LocalDateTime::new(
        u16::try_from(time.year()).ok()?,
        time.month() as u8,
        time.day() as u8,
        time.hour() as u8,
        time.minute() as u8,
        time.second() as u8,
    )
    .ok()
}

/// A `QN` for a packet sent at Beijing wall-clock time `sent_at`.
pub fn qn_at(sent_at: NaiveDateTime) -> String {
    sent_at.format("%Y%m%d%H%M%S%3f").to_string()
}

/// Whether packet `n` of `device` is preceded by a corrupted copy.
pub fn corrupt_this(seed: u64, device: &VirtualDevice, n: usize, ratio: f64) -> bool {
    ratio > 0.0 && signal::unit_for(seed ^ 0xBAD, device.index as u64, n as u64) < ratio
}

/// Damages the CRC of the frame in `buffer` (the last 6 bytes are CRC and CR LF).
pub fn corrupt(buffer: &mut [u8]) {
    let len = buffer.len();
    if let Some(byte) = len.checked_sub(6).and_then(|at| buffer.get_mut(at)) {
        *byte = if *byte == b'0' { b'1' } else { b'0' };
    }
}

/// Appends the upload of `kind` for `device` at Beijing data time `data_time` to `buffer`.
pub fn upload(
    buffer: &mut Vec<u8>,
    seed: u64,
    device: &VirtualDevice,
    kind: DataKind,
    data_time: NaiveDateTime,
    qn: &str,
) {
    let Some(time) = local(data_time) else { return };
    let cn = match kind {
        DataKind::Realtime => "2011",
        DataKind::Minute => "2051",
        DataKind::Hour => "2061",
        DataKind::Day => "2031",
    };
    let header = Header {
        qn: Some(qn),
        st: crate::fleet::system_code(device.kind),
        cn,
        pw: Some(&device.password),
        mn: &device.mn,
        flag: Some(Flag::new(Version::V2017, true, false)),
        subpacket: None,
    };
    let flag = signal::flag_at(seed, device, data_time);
    let flag_text = flag.to_string();
    let o2 = device
        .params
        .iter()
        .position(|spec| spec.code == "a19001")
        .map(|index| signal::value_at(seed, device, index, data_time));
    let conversion =
        o2.map(|o2| (21.0 - REFERENCE_O2_PERCENT) / (21.0 - o2.min(20.0))).unwrap_or(1.0);
    let period_minutes = match kind {
        DataKind::Realtime => 0.0,
        DataKind::Minute => 1.0,
        DataKind::Hour => 60.0,
        DataKind::Day => 1440.0,
    };
    let mut writer = PacketWriter::begin(buffer, &header);
    writer.data_time(&time);
    for (index, spec) in device.params.iter().enumerate() {
        let value = signal::value_at(seed, device, index, data_time);
        let spread = 0.05 * value;
        writer.param(spec.code);
        if kind == DataKind::Realtime {
            writer.number(Field::Rtd, value, spec.decimals);
            if spec.converted {
                writer.number(Field::ZsRtd, value * conversion, spec.decimals);
            }
        } else {
            writer.number(Field::Min, value - spread, spec.decimals);
            writer.number(Field::Avg, value, spec.decimals);
            writer.number(Field::Max, value + spread, spec.decimals);
            if spec.converted {
                // Only the converted mean: with ZsMin and ZsMax too, a 12-parameter
                // packet would exceed the standard's 1024-byte data segment.
                writer.number(Field::ZsAvg, value * conversion, spec.decimals);
            }
            if spec.cumulative {
                // Flow in m³/s (gas) or L/s (water) times the period's seconds.
                writer.number(Field::Cou, value * period_minutes * 60.0, 1);
            }
        }
        writer.text(Field::Flag, &flag_text);
    }
    // Encoding our own well-formed fields cannot fail; if it did, nothing is appended.
    let _ = writer.finish();
}

/// The next whole frame from `deframer`, skipping garbage and dropped bytes.
pub fn next_frame(deframer: &mut hj212::Deframer) -> Option<Vec<u8>> {
    loop {
        match deframer.next_event()? {
            FrameEvent::Frame(frame) => return Some(frame),
            FrameEvent::Skipped { .. } | FrameEvent::Dropped { .. } => {}
        }
    }
}

/// What a device makes of a frame from the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// The 9014 answer to the packet we wait for.
    AckFor,
    /// A command; answer it with these bytes (9011 accepted, then 9012 success).
    Command(Vec<u8>),
    /// Anything else.
    Other,
}

/// Classifies a frame received while waiting for the answer to the packet with `qn`.
pub fn classify_answer(frame: &[u8], qn: &str) -> Incoming {
    let Ok(packet) = hj212::decode_frame(frame, &DecodeOptions::default()) else {
        return Incoming::Other;
    };
    match packet.cn {
        "9014" if packet.qn == Some(qn) => Incoming::AckFor,
        "1012" | "1011" | "1062" | "2051" | "2061" | "2031" => {
            let mut reply = Vec::new();
            let _ = hj212::encode::request_answer(&mut reply, &packet, hj212::QnRtn::Ready);
            let _ = hj212::encode::execution_result(&mut reply, &packet, hj212::ExeRtn::Success);
            Incoming::Command(reply)
        }
        _ => Incoming::Other,
    }
}

/// The 9014 answer a platform owes `frame`, if it decodes and asks for one.
pub fn answer_9014(frame: &[u8]) -> Option<Vec<u8>> {
    let packet = hj212::decode_frame(frame, &DecodeOptions::default()).ok()?;
    if !packet.ack_needed() {
        return None;
    }
    let mut answer = Vec::new();
    hj212::encode::data_answer(&mut answer, &packet).ok()?;
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::virtual_device;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_minute_upload_decodes_with_every_parameter() {
        let device = virtual_device(2);
        let mut buffer = Vec::new();
        upload(
            &mut buffer,
            1,
            &device,
            DataKind::Minute,
            at("2026-11-01 08:00"),
            "20261101080005123",
        );
        let packet = hj212::decode_frame(&buffer, &DecodeOptions::default()).unwrap();
        assert_eq!(packet.cn, "2051");
        assert!(
            packet.deviations.is_empty(),
            "{:?} in {} bytes",
            packet.deviations,
            packet.segment.len()
        );
        assert_eq!(packet.cp.params().len(), 12);
        assert_eq!(packet.cp.data_time(), Some("20261101080000"));
        assert_eq!(
            answer_9014(&buffer).map(|answer| classify_answer(&answer, "20261101080005123")),
            Some(Incoming::AckFor)
        );
    }

    #[test]
    fn a_corrupted_copy_fails_its_crc() {
        let device = virtual_device(1);
        let mut buffer = Vec::new();
        upload(
            &mut buffer,
            1,
            &device,
            DataKind::Hour,
            at("2026-11-01 08:00"),
            "20261101080005123",
        );
        corrupt(&mut buffer);
        let error = hj212::decode_frame(&buffer, &DecodeOptions::default()).unwrap_err();
        assert_eq!(error.reason(), "crc_mismatch");
    }
}
