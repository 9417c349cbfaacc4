//! The field tool's JSON: one object per packet (`qingshan hj212 decode`), a
//! packet description to encode (`qingshan hj212 encode`), and a CRC report
//! (`qingshan hj212 crc`). The golden tests use the same rendering.
//!
//! A decoded packet renders as
//!
//! ```json
//! {"ok": true, "qn": "20160801085857223", "st": "32", "cn": "2011", "pw": "123456",
//!  "mn": "010000A8900016F000169DC0", "flag": 5, "pnum": null, "pno": null,
//!  "version": "2017", "deviations": [],
//!  "cp": {"DataTime": "20160801085857", "w01018": {"Rtd": 166.9, "Flag": "N"}}}
//! ```
//!
//! and a refused one as `{"ok": false, "error": "<message>", "reason": "<label>"}`.
//! Header fields absent from the packet are `null`; header fields outside the
//! standard appear under `extra_header`. In `cp`, plain keys sit at the top level
//! and per-parameter fields under their code. A value is a JSON number when it
//! reads as one (an integer when written without a point or exponent), else a
//! string; flags, times and ids are always strings. A key that occurs more than
//! once becomes an array of its values, in order. Object keys come out sorted
//! (serde_json's default map).

use std::ops::Range;

use serde_json::{Map, Value as Json, json};

use crate::cp::{Cp, Field, Key, Value};
use crate::crc;
use crate::encode::{Header, PacketWriter};
use crate::error::{Error, Result};
use crate::frame::{Deframer, DeframerConfig, FrameEvent};
use crate::packet::{DecodeOptions, Packet, decode_frame};
use crate::reassembly::{Reassembler, ReassemblyConfig, ReassemblyEvent};
use crate::version::{Flag, Version};

/// Renders a decode result as the field tool's JSON object.
pub fn to_json(result: &Result<Packet<'_>>) -> Json {
    match result {
        Ok(packet) => packet_json(packet),
        Err(error) => json!({"ok": false, "error": error.to_string(), "reason": error.reason()}),
    }
}

/// Decodes one frame and renders the result.
pub fn decode_to_json(frame: &[u8], options: &DecodeOptions) -> Json {
    to_json(&decode_frame(frame, options))
}

fn packet_json(packet: &Packet<'_>) -> Json {
    let mut object = Map::new();
    object.insert("ok".into(), Json::Bool(true));
    object.insert("qn".into(), packet.qn.map_or(Json::Null, |qn| qn.into()));
    object.insert("st".into(), packet.st.into());
    object.insert("cn".into(), packet.cn.into());
    object.insert("pw".into(), packet.pw.map_or(Json::Null, |pw| pw.into()));
    object.insert("mn".into(), packet.mn.into());
    object.insert("flag".into(), packet.flag.map_or(Json::Null, |flag| flag.0.into()));
    object.insert("pnum".into(), packet.pnum.map_or(Json::Null, Json::from));
    object.insert("pno".into(), packet.pno.map_or(Json::Null, Json::from));
    let version = match packet.version {
        Version::Unknown(bits) => format!("unknown({bits})"),
        known => known.label().to_owned(),
    };
    object.insert("version".into(), version.into());
    object.insert(
        "deviations".into(),
        Json::Array(packet.deviations.labels().map(Json::from).collect()),
    );
    if !packet.extra_header.is_empty() {
        let mut extra = Map::new();
        for (key, value) in &packet.extra_header {
            insert_or_append(&mut extra, key, (*value).into());
        }
        object.insert("extra_header".into(), Json::Object(extra));
    }
    object.insert("cp".into(), cp_json(&packet.cp));
    Json::Object(object)
}

/// Renders a whole byte stream (a capture, a file) the way the field tool
/// prints it: one JSON value per event, in order. Frames render as
/// [`to_json`]; the other events as
/// `{"event": "skipped", "n_bytes": N}`,
/// `{"event": "dropped", "reason": "frame_truncated", "n_bytes": N}`,
/// and, when the parts of a sub-packet set are all in the stream,
/// `{"event": "reassembled", "mn", "cn", "first_qn", "cp"}`; sets still
/// incomplete at the end of the stream are reported as
/// `{"event": "evicted", "reason": "timed_out", "n_received", "pnum"}`.
pub fn stream_to_json(bytes: &[u8], options: &DecodeOptions) -> Vec<Json> {
    let mut deframer = Deframer::new(DeframerConfig::default());
    let mut reassembler = Reassembler::new(ReassemblyConfig::default());
    let mut out = Vec::new();
    deframer.push(bytes);
    deframer.finish();
    while let Some(event) = deframer.next_event() {
        match event {
            FrameEvent::Frame(frame) => {
                let result = decode_frame(&frame, options);
                out.push(to_json(&result));
                let Ok(packet) = &result else { continue };
                if packet.subpacket().is_none() {
                    continue;
                }
                for event in reassembler.push(packet, 0) {
                    out.push(match event {
                        ReassemblyEvent::Complete(set) => json!({
                            "event": "reassembled",
                            "mn": set.mn,
                            "cn": set.cn,
                            "first_qn": set.first_qn,
                            "cp": cp_json(&set.cp()),
                        }),
                        ReassemblyEvent::Evicted { reason, n_received, pnum, .. } => json!({
                            "event": "evicted",
                            "reason": reason.label(),
                            "n_received": n_received,
                            "pnum": pnum,
                        }),
                    });
                }
            }
            FrameEvent::Skipped { n_bytes } => {
                out.push(json!({"event": "skipped", "n_bytes": n_bytes}));
            }
            FrameEvent::Dropped { n_bytes, reason } => {
                out.push(json!({"event": "dropped", "reason": reason.label(), "n_bytes": n_bytes}));
            }
        }
    }
    for event in reassembler.expire(u64::MAX) {
        if let ReassemblyEvent::Evicted { reason, n_received, pnum, .. } = event {
            out.push(json!({
                "event": "evicted",
                "reason": reason.label(),
                "n_received": n_received,
                "pnum": pnum,
            }));
        }
    }
    out
}

/// Renders a CP data area as the `cp` object.
pub fn cp_json(cp: &Cp<'_>) -> Json {
    let mut object = Map::new();
    for item in cp.items() {
        let value = value_json(item.value(), item.text);
        match item.key {
            Key::Plain(name) => insert_or_append(&mut object, name, value),
            Key::Param { code, field } => {
                let slot =
                    object.entry(code.to_owned()).or_insert_with(|| Json::Object(Map::new()));
                match slot {
                    Json::Object(fields) => insert_or_append(fields, field.name(), value),
                    other => {
                        let mut fields = Map::new();
                        fields.insert(field.name().to_owned(), value);
                        let previous = std::mem::take(other);
                        *other = Json::Array(vec![previous, Json::Object(fields)]);
                    }
                }
            }
        }
    }
    Json::Object(object)
}

fn insert_or_append(object: &mut Map<String, Json>, key: &str, value: Json) {
    match object.get_mut(key) {
        None => {
            object.insert(key.to_owned(), value);
        }
        Some(Json::Array(values)) => values.push(value),
        Some(existing) => {
            let previous = std::mem::take(existing);
            *existing = Json::Array(vec![previous, value]);
        }
    }
}

fn value_json(value: Value<'_>, text: &str) -> Json {
    match value {
        Value::Number(number) => {
            let integer_text = text.bytes().all(|byte| byte.is_ascii_digit() || byte == b'-');
            match text.parse::<i64>() {
                Ok(integer) if integer_text => Json::from(integer),
                _ => serde_json::Number::from_f64(number).map_or(Json::Null, Json::Number),
            }
        }
        Value::Text(text) | Value::NonNumeric(text) => text.into(),
    }
}

/// The field tool's CRC report for a data segment: the HJ 212 CRC, the
/// CRC-16/MODBUS value in both byte orders, and the length field to write.
pub fn crc_report(segment: &[u8]) -> Json {
    let [modbus_low_first, modbus] = crc::modbus_wire_values(segment);
    json!({
        "crc": crc::crc_string(crc::crc16(segment)),
        "modbus_low_byte_first": crc::crc_string(modbus_low_first),
        "modbus": crc::crc_string(modbus),
        "length": format!("{:04}", segment.len()),
    })
}

fn bad(why: impl Into<String>) -> Error {
    Error::BadDescription { why: why.into() }
}

fn optional_str<'j>(description: &'j Map<String, Json>, key: &str) -> Result<Option<&'j str>> {
    match description.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(text)) => Ok(Some(text)),
        Some(_) => Err(bad(format!("`{key}` must be a string"))),
    }
}

fn required_str<'j>(description: &'j Map<String, Json>, key: &'static str) -> Result<&'j str> {
    optional_str(description, key)?.ok_or_else(|| bad(format!("`{key}` is required")))
}

fn optional_int(description: &Map<String, Json>, key: &str, max: u64) -> Result<Option<u64>> {
    match description.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(number) if number <= max => Ok(Some(number)),
            _ => Err(bad(format!("`{key}` must be an integer 0-{max}"))),
        },
    }
}

/// The wire text of a JSON value: strings as they are, numbers as JSON prints them.
fn value_text(key: &str, value: &Json) -> Result<String> {
    match value {
        Json::String(text) => Ok(text.clone()),
        Json::Number(number) => Ok(number.to_string()),
        _ => Err(bad(format!("`{key}` must be a string or a number"))),
    }
}

/// Encodes a packet described in the field tool's JSON shape (the shape
/// [`to_json`] prints; `ok`, `version` and `deviations` are ignored) and
/// appends the frame to `buf`.
///
/// `st`, `cn` and `mn` are required. In `cp`, `DataTime` is written first,
/// then the other plain keys, each in its own group, then one group per
/// parameter code, all in key order. An array value writes the key once per element.
///
/// ```
/// let description = serde_json::json!({"qn": "20160801085857223", "st": "32", "cn": "1062",
///     "pw": "100000", "mn": "010000A8900016F000169DC0", "flag": 5, "cp": {"RtdInterval": 30}});
/// let mut buf = Vec::new();
/// let frame = hj212::json::encode_json(&description, &mut buf).unwrap();
/// assert!(buf[frame].ends_with(b"&&1C80\r\n"));
/// ```
pub fn encode_json(description: &Json, buf: &mut Vec<u8>) -> Result<Range<usize>> {
    let Json::Object(description) = description else {
        return Err(bad("the description must be a JSON object"));
    };
    let flag = optional_int(description, "flag", 255)?.map(|value| Flag(value as u8));
    let pnum = optional_int(description, "pnum", 9999)?;
    let pno = optional_int(description, "pno", 9999)?;
    let subpacket = match (pnum, pno) {
        (Some(pnum), Some(pno)) => Some((pnum as u16, pno as u16)),
        (None, None) => None,
        _ => return Err(bad("`pnum` and `pno` go together")),
    };
    let header = Header {
        qn: optional_str(description, "qn")?,
        st: required_str(description, "st")?,
        cn: required_str(description, "cn")?,
        pw: optional_str(description, "pw")?,
        mn: required_str(description, "mn")?,
        flag,
        subpacket,
    };
    let empty = Map::new();
    let cp = match description.get("cp") {
        None | Some(Json::Null) => &empty,
        Some(Json::Object(cp)) => cp,
        Some(_) => return Err(bad("`cp` must be an object")),
    };
    let mut writer = PacketWriter::begin(buf, &header);
    let mut result = Ok(());
    let plain = |writer: &mut PacketWriter<'_>, key: &str, value: &Json| -> Result<()> {
        let values = match value {
            Json::Array(values) => values.as_slice(),
            single => std::slice::from_ref(single),
        };
        for value in values {
            writer.plain(key, &value_text(key, value)?);
        }
        Ok(())
    };
    if let Some(data_time) = cp.get("DataTime") {
        result = result.and(plain(&mut writer, "DataTime", data_time));
    }
    for (key, value) in cp {
        if key == "DataTime" || value.is_object() {
            continue;
        }
        result = result.and(plain(&mut writer, key, value));
    }
    for (code, fields) in cp {
        let Json::Object(fields) = fields else { continue };
        writer.param(code);
        for (name, value) in fields {
            let field = Field::parse(name);
            let values = match value {
                Json::Array(values) => values.as_slice(),
                single => std::slice::from_ref(single),
            };
            for value in values {
                match value_text(name, value) {
                    Ok(text) => {
                        writer.text(field, &text);
                    }
                    Err(error) => result = result.and(Err(error)),
                }
            }
        }
    }
    result?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_json() {
        let frame = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";
        let rendered = decode_to_json(frame, &DecodeOptions::default());
        assert_eq!(rendered["cp"]["RtdInterval"], json!(30));
        assert_eq!(rendered["version"], json!("2017"));
        let mut buf = Vec::new();
        let range = encode_json(&rendered, &mut buf).unwrap();
        assert_eq!(&buf[range], frame);
    }

    #[test]
    fn params_flags_and_duplicates() {
        let cp = Cp::new(
            "DataTime=20160801084000;w01018-Rtd=166.9,w01018-Flag=N;Flag=N;Flag=D;x-Rtd=abc",
        );
        assert_eq!(
            cp_json(&cp),
            json!({"DataTime": "20160801084000", "w01018": {"Rtd": 166.9, "Flag": "N"},
                   "Flag": ["N", "D"], "x": {"Rtd": "abc"}})
        );
        assert_eq!(crc_report(b"123456789")["crc"], json!("2F80"));
        assert_eq!(
            encode_json(&json!({"st": "32"}), &mut Vec::new()).unwrap_err().reason(),
            "bad_description"
        );
    }
}
