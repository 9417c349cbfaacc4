//! Property tests: encode then decode gives the same packet; any bytes go
//! through the deframer and decoder without a panic and with known reasons;
//! the deframer's events do not depend on how the stream is split into reads.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use hj212::encode::{Header, PacketWriter};
use hj212::{
    DecodeOptions, Deframer, DeframerConfig, Field, Flag, FrameEvent, Key, REASONS, Value,
};
use proptest::prelude::*;

fn events(chunks: &[&[u8]], config: DeframerConfig) -> Vec<FrameEvent> {
    let mut deframer = Deframer::new(config);
    let mut out = Vec::new();
    for chunk in chunks {
        deframer.push(chunk);
        while let Some(event) = deframer.next_event() {
            out.push(event);
        }
    }
    deframer.finish();
    while let Some(event) = deframer.next_event() {
        out.push(event);
    }
    out
}

/// Decodes everything in every way; checks that refusals use known reasons.
fn decode_everything(bytes: &[u8]) {
    let lenient =
        DecodeOptions { accept_modbus_crc: true, skip_crc: true, accept_wrong_length: true };
    for event in events(&[bytes], DeframerConfig::default()) {
        if let FrameEvent::Frame(frame) = event {
            for options in [DecodeOptions::default(), lenient] {
                let result = hj212::decode_frame(&frame, &options);
                if let Err(error) = &result {
                    assert!(REASONS.contains(&error.reason()));
                }
                let _ = hj212::json::to_json(&result);
                if let Ok(packet) = result {
                    for item in packet.cp.items() {
                        let _ = item.value();
                    }
                    let _ = packet.cp.params();
                }
            }
        }
    }
    let lossy = String::from_utf8_lossy(bytes);
    if let Ok(packet) = hj212::decode_segment(&lossy) {
        let _ = hj212::json::cp_json(&packet.cp);
    }
    let _ = hj212::decode_frame(bytes, &lenient);
}

const STD_FRAME: &[u8] = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";

/// Bytes that look like HJ 212 often enough to reach deep code paths.
fn hj212_ish() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(STD_FRAME.to_vec()),
        Just(STD_FRAME.to_vec()),
        Just(STD_FRAME[..STD_FRAME.len() - 2].to_vec()),
        Just(STD_FRAME[..STD_FRAME.len() - 1].to_vec()),
        Just(STD_FRAME[..50].to_vec()),
        Just(b"##0888QN=1;ST=32;CN=9014;MN=M;CP=&&&&AB12\r\n".to_vec()),
        Just(b"##".to_vec()),
        Just(b"##0101".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"QN=20160801085857223;".to_vec()),
        Just(b"ST=32;CN=2011;PW=123456;MN=M1;".to_vec()),
        Just(b"Flag=7;PNUM=2;PNO=1;".to_vec()),
        Just(b"CP=&&".to_vec()),
        Just(b"&&".to_vec()),
        Just(b"w01018-Rtd=1.5,w01018-Flag=N;".to_vec()),
        Just(b"DataTime=20160801084000;".to_vec()),
        Just(b"1C80".to_vec()),
        Just("清洗".as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.concat())
}

/// A parameter code, its fields (index into `FIELDS`, value, decimals) and its data flag.
type UploadParam = (String, Vec<(usize, f64, usize)>, Option<char>);

#[derive(Debug, Clone)]
struct Upload {
    qn: String,
    st: String,
    cn: String,
    pw: String,
    mn: String,
    flag: u8,
    data_time: String,
    params: Vec<UploadParam>,
}

const FIELDS: [Field<'static>; 8] = [
    Field::Rtd,
    Field::Min,
    Field::Avg,
    Field::Max,
    Field::ZsAvg,
    Field::Cou,
    Field::Data,
    Field::Rs,
];

fn upload() -> impl Strategy<Value = Upload> {
    (
        "[0-9]{17}",
        prop::sample::select(vec!["21", "22", "31", "32", "91"]),
        "[0-9]{4}",
        "[0-9A-Za-z]{6}",
        "[0-9A-Za-z_-]{1,24}",
        prop::sample::select(vec![0u8, 1, 4, 5, 8, 9]),
        "20[0-9]{12}",
        prop::collection::vec(
            (
                "[a-z][0-9]{5}",
                prop::collection::vec((0..FIELDS.len(), -1.0e6..1.0e6f64, 0usize..4), 1..4),
                prop::option::of(prop::sample::select(vec!['N', 'F', 'M', 'D'])),
            ),
            0..14,
        ),
    )
        .prop_map(|(qn, st, cn, pw, mn, flag, data_time, params)| Upload {
            qn,
            st: st.to_owned(),
            cn,
            pw,
            mn,
            flag,
            data_time,
            params,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_gives_the_same_fields(upload in upload()) {
        let mut buf = vec![b'x'; 3];
        let header = Header {
            qn: Some(&upload.qn), st: &upload.st, cn: &upload.cn, pw: Some(&upload.pw),
            mn: &upload.mn, flag: Some(Flag(upload.flag)), subpacket: None,
        };
        let mut writer = PacketWriter::begin(&mut buf, &header);
        writer.plain("DataTime", &upload.data_time);
        let mut expected = Vec::new();
        for (code, fields, flag) in &upload.params {
            writer.param(code);
            for &(field_index, value, decimals) in fields {
                let field = FIELDS[field_index];
                writer.number(field, value, decimals);
                expected.push((code.clone(), field.name().to_owned(), format!("{value:.decimals$}")));
            }
            if let Some(flag) = flag {
                writer.text(Field::Flag, &flag.to_string());
                expected.push((code.clone(), "Flag".to_owned(), flag.to_string()));
            }
        }
        let range = writer.finish().unwrap();
        prop_assert_eq!(range.start, 3);
        let frame = &buf[range];
        let packet = hj212::decode_frame(frame, &DecodeOptions::default()).unwrap();
        prop_assert_eq!(packet.qn, Some(upload.qn.as_str()));
        prop_assert_eq!(packet.st, upload.st.as_str());
        prop_assert_eq!(packet.cn, upload.cn.as_str());
        prop_assert_eq!(packet.pw, Some(upload.pw.as_str()));
        prop_assert_eq!(packet.mn, upload.mn.as_str());
        prop_assert_eq!(packet.flag, Some(Flag(upload.flag)));
        prop_assert_eq!(packet.cp.data_time(), Some(upload.data_time.as_str()));
        let items: Vec<(String, String, String)> = packet
            .cp
            .items()
            .filter_map(|item| match item.key {
                Key::Param { code, field } => {
                    Some((code.to_owned(), field.name().to_owned(), item.text.to_owned()))
                }
                Key::Plain(_) => None,
            })
            .collect();
        prop_assert_eq!(&items, &expected);
        for item in packet.cp.items() {
            if let (Key::Param { field, .. }, Value::Number(number)) = (item.key, item.value()) {
                prop_assert!(field != Field::Flag);
                prop_assert_eq!(Some(number), item.text.parse::<f64>().ok());
            }
        }
        let mut answer = Vec::new();
        let range = hj212::encode::data_answer(&mut answer, &packet).unwrap();
        let decoded = hj212::decode_frame(&answer[range], &DecodeOptions::default()).unwrap();
        prop_assert_eq!(decoded.cn, "9014");
        prop_assert_eq!(decoded.mn, packet.mn);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn hj212_like_bytes_never_panic(bytes in hj212_ish()) {
        decode_everything(&bytes);
    }

    #[test]
    fn split_points_do_not_change_events(
        bytes in hj212_ish(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        for config in [DeframerConfig { max_segment_bytes: 64 }, DeframerConfig::default()] {
            let whole = events(&[&bytes], config);
            for split in 0..=bytes.len() {
                let (a, b) = bytes.split_at(split);
                prop_assert_eq!(&events(&[a, b], config), &whole, "split at {}", split);
            }
            let mut offsets: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
            offsets.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for offset in offsets {
                chunks.push(&bytes[start..offset]);
                start = offset;
            }
            chunks.push(&bytes[start..]);
            prop_assert_eq!(&events(&chunks, config), &whole);
            let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(&events(&one_by_one, config), &whole);
        }
    }

    #[test]
    fn sliced_crc_equals_reference(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(hj212::crc::crc16(&bytes), hj212::crc::crc16_reference(&bytes));
        prop_assert_eq!(hj212::crc::crc16_bytewise(&bytes), hj212::crc::crc16_reference(&bytes));
    }
}
