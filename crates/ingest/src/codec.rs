//! The gateway's use of `hj212`: decode a frame into what the gateway needs,
//! owned, and build the answers the standard expects.
//!
//! Decoding borrows from the frame; the gateway then moves the frame into the
//! raw archive, so everything it keeps is copied out here, and the answer
//! owed to the packet is encoded while the borrowed packet is still at hand.

use hj212::{AnswerKind, CnKind, DecodeOptions, Direction, Field, Packet, Value, Version};
use model::{BeijingTime, DataKind, Instant, ReadingValues};
use store::DeviceLeniency;

/// Why a frame could not be used, with what could still be read of it.
#[derive(Debug, Clone)]
pub(crate) struct DecodeFailure {
    /// The codec's fixed reason label.
    pub(crate) reason: &'static str,
    /// The codec's message (names the offending input).
    pub(crate) message: String,
    /// The MN, if it could be read from the frame's text.
    pub(crate) mn: Option<String>,
    /// The CN, if it could be read.
    pub(crate) cn: Option<u16>,
    /// Whether a per-device leniency setting could make the frame acceptable.
    pub(crate) relaxable: bool,
}

/// The class of a packet from the gateway's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CnClass {
    /// A measurement upload whose readings we store.
    Data(DataKind),
    /// Anything else: archived, answered as the standard says.
    Other,
}

/// A decoded packet, owned.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    pub(crate) mn: String,
    pub(crate) pw: Option<String>,
    pub(crate) st: String,
    pub(crate) cn: Option<u16>,
    pub(crate) version: Version,
    pub(crate) wants_answer: bool,
    pub(crate) kind: CnKind,
    pub(crate) deviations: Vec<&'static str>,
    /// The device's clock when it sent the packet (its `QN`), if readable.
    pub(crate) qn_time: Option<BeijingTime>,
    /// `DataTime`, if present and readable.
    pub(crate) data_time: Option<BeijingTime>,
    /// `PNO` when the packet is one part of a sub-packet set.
    pub(crate) pno: Option<u16>,
    /// Per parameter (2017 codes; 2005 codes mapped), its values.
    pub(crate) params: Vec<(String, ReadingValues)>,
    /// The answer the standard expects (9014/9013/9011), encoded.
    pub(crate) answer: Option<(&'static str, Vec<u8>)>,
    /// The frame as received: archived as evidence, and decoded again for
    /// refusal answers (rare) without a copy on the common path.
    pub(crate) frame: Vec<u8>,
}

impl Decoded {
    pub(crate) fn class(&self) -> CnClass {
        match self.kind {
            CnKind::DataUpload(hj212::DataKind::Realtime) => CnClass::Data(DataKind::Realtime),
            CnKind::DataUpload(hj212::DataKind::Minute) => CnClass::Data(DataKind::Minute),
            CnKind::DataUpload(hj212::DataKind::Hour) => CnClass::Data(DataKind::Hour),
            CnKind::DataUpload(hj212::DataKind::Day) => CnClass::Data(DataKind::Day),
            _ => CnClass::Other,
        }
    }
}

/// `QnRtn` values the gateway sends when it refuses a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QnRtn {
    /// 3: PW wrong.
    WrongPassword,
    /// 4: MN wrong.
    WrongMn,
}

fn options(leniency: &DeviceLeniency) -> DecodeOptions {
    DecodeOptions {
        accept_modbus_crc: leniency.accept_modbus_crc,
        skip_crc: leniency.skip_crc,
        accept_wrong_length: leniency.accept_wrong_length,
    }
}

/// The text of header field `name` (`MN=`, `CN=` …) before `CP=`, if readable.
fn peek_header<'a>(frame: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(frame.get(6..)?).ok().or_else(|| {
        // Non-UTF-8 frames: look only at the ASCII prefix.
        let end = frame.iter().position(|byte| !byte.is_ascii()).unwrap_or(frame.len());
        std::str::from_utf8(frame.get(6..end)?).ok()
    })?;
    let header = text.split("CP=").next()?;
    header
        .split(';')
        .find_map(|item| item.trim().strip_prefix(name))
        .filter(|value| !value.is_empty())
}

fn beijing(time: &hj212::LocalDateTime) -> Option<BeijingTime> {
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::from(time.year),
        u32::from(time.month),
        u32::from(time.day),
    )?;
    let naive = date.and_hms_milli_opt(
        u32::from(time.hour),
        u32::from(time.minute),
        u32::from(time.second),
        u32::from(time.millis.unwrap_or(0)),
    )?;
    Some(BeijingTime(naive))
}

fn parse_time(text: &str) -> Option<BeijingTime> {
    hj212::LocalDateTime::parse(text.trim()).ok().as_ref().and_then(beijing)
}

/// Decodes `frame` with `leniency`'s relaxations; on failure the frame comes back with the reason.
pub(crate) fn decode(
    frame: Vec<u8>,
    leniency: &DeviceLeniency,
) -> Result<Decoded, (Vec<u8>, DecodeFailure)> {
    let decoded = match hj212::decode_frame(&frame, &options(leniency)) {
        Ok(packet) => own(&packet),
        Err(error) => {
            let failure = failure(&frame, &error);
            return Err((frame, failure));
        }
    };
    Ok(Decoded { frame, ..decoded })
}

fn failure(frame: &[u8], error: &hj212::Error) -> DecodeFailure {
    let reason = error.reason();
    DecodeFailure {
        reason,
        message: error.to_string(),
        mn: peek_header(frame, "MN=").filter(|mn| model::Mn::parse(mn).is_ok()).map(str::to_owned),
        cn: peek_header(frame, "CN=").and_then(|cn| cn.parse().ok()),
        relaxable: matches!(
            reason,
            "crc_mismatch" | "modbus_crc" | "length_mismatch" | "bad_crc_text"
        ),
    }
}

fn own(packet: &Packet<'_>) -> Decoded {
    let kind = packet.cn_kind(Direction::Uplink);
    let mut deviations: Vec<&'static str> = packet.deviations.labels().collect();
    let mut params = Vec::new();
    if matches!(kind, CnKind::DataUpload(_)) {
        for param in packet.cp.params() {
            let code = match packet.version {
                Version::V2005 => {
                    hj212::codes::code_2005_to_2017(param.code, packet.st).unwrap_or(param.code)
                }
                _ => param.code,
            };
            let mut values = ReadingValues::default();
            let mut any = false;
            for (field, value) in &param.fields {
                let number = match value {
                    Value::Number(number) => Some(*number),
                    Value::NonNumeric(_) => {
                        if !deviations.contains(&"non_numeric_value") {
                            deviations.push("non_numeric_value");
                        }
                        None
                    }
                    Value::Text(_) => None,
                };
                let text = match value {
                    Value::Text(text) | Value::NonNumeric(text) => Some((*text).to_owned()),
                    Value::Number(_) => None,
                };
                let slot = match field {
                    Field::Rtd => &mut values.rtd,
                    Field::Min => &mut values.min,
                    Field::Avg => &mut values.avg,
                    Field::Max => &mut values.max,
                    Field::ZsRtd => &mut values.zs_rtd,
                    Field::ZsMin => &mut values.zs_min,
                    Field::ZsAvg => &mut values.zs_avg,
                    Field::ZsMax => &mut values.zs_max,
                    Field::Cou => &mut values.cou,
                    Field::Flag => {
                        values.flag = text;
                        continue;
                    }
                    Field::EFlag => {
                        values.eflag = text;
                        continue;
                    }
                    Field::SampleTime => {
                        values.sample_time = text;
                        continue;
                    }
                    _ => continue,
                };
                if number.is_some() {
                    any = true;
                }
                *slot = number;
            }
            if any || values.flag.is_some() {
                params.push((code.to_owned(), values));
            }
        }
    }
    let mut answer_bytes = Vec::new();
    let answer = match packet.expected_answer(Direction::Uplink) {
        Some(AnswerKind::Data) => hj212::encode::data_answer(&mut answer_bytes, packet)
            .ok()
            .map(|_| ("9014", answer_bytes)),
        Some(AnswerKind::Notify) => hj212::encode::notify_answer(&mut answer_bytes, packet)
            .ok()
            .map(|_| ("9013", answer_bytes)),
        Some(AnswerKind::Request) => {
            // A device sent a request (platform-side commands only come from us):
            // say we do not execute it.
            hj212::encode::request_answer(&mut answer_bytes, packet, hj212::QnRtn::Rejected)
                .ok()
                .map(|_| ("9011", answer_bytes))
        }
        _ => None,
    };
    Decoded {
        mn: packet.mn.to_owned(),
        pw: packet.pw.map(str::to_owned),
        st: packet.st.to_owned(),
        cn: packet.cn.parse().ok(),
        version: packet.version,
        wants_answer: packet.ack_needed(),
        kind,
        deviations,
        qn_time: packet.qn.and_then(parse_time),
        data_time: packet.cp.data_time().and_then(parse_time),
        pno: packet.pno,
        params,
        answer,
        frame: Vec::new(),
    }
}

/// The 9011 answer refusing a device, with `QnRtn` 3 (PW) or 4 (MN).
pub(crate) fn request_answer(decoded: &Decoded, qn_rtn: QnRtn) -> Option<Vec<u8>> {
    let packet = hj212::decode_frame(
        &decoded.frame,
        &DecodeOptions { accept_modbus_crc: true, skip_crc: true, accept_wrong_length: true },
    )
    .ok()?;
    let code = match qn_rtn {
        QnRtn::WrongPassword => hj212::QnRtn::PwWrong,
        QnRtn::WrongMn => hj212::QnRtn::MnWrong,
    };
    let mut bytes = Vec::new();
    hj212::encode::request_answer(&mut bytes, &packet, code).ok()?;
    Some(bytes)
}

/// A 1012 set-time command carrying `now` in Beijing time.
pub(crate) fn set_time_command(decoded: &Decoded, now: Instant) -> Option<Vec<u8>> {
    let local = now.to_beijing().0;
    let time = hj212::LocalDateTime::parse(&local.format("%Y%m%d%H%M%S%3f").to_string()).ok()?;
    let qn = time.to_qn();
    let target = hj212::encode::Target {
        qn: &qn,
        st: &decoded.st,
        pw: decoded.pw.as_deref().unwrap_or(""),
        mn: &decoded.mn,
        version: decoded.version,
    };
    let mut bytes = Vec::new();
    hj212::encode::set_system_time(&mut bytes, &target, None, &time).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeks_mn_and_cn_from_a_broken_frame() {
        let frame = b"##0050QN=1;ST=32;CN=2011;PW=123456;MN=ABC123;Flag=5;CP=&&MN=x&&0000\r\n";
        assert_eq!(peek_header(frame, "MN="), Some("ABC123"));
        assert_eq!(peek_header(frame, "CN="), Some("2011"));
        let (_, failure) = decode(frame.to_vec(), &DeviceLeniency::default()).unwrap_err();
        assert_eq!(failure.mn.as_deref(), Some("ABC123"));
    }
}
