//! The malformed-input table: each bad input gets its documented outcome
//! (answer, archive verdict, counter) and never a panic; the connection and the
//! server keep working after each.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use store::{RawQuery, Store};

use crate::util::TestServer;

const PW: &str = "123456";

/// Frames a data segment with a correct length and HJ 212 CRC.
fn frame(segment: &str) -> Vec<u8> {
    let crc = hj212::crc::crc_string(hj212::crc::crc16(segment.as_bytes()));
    format!("##{:04}{segment}{crc}\r\n", segment.len()).into_bytes()
}

fn upload_segment(qn: &str, mn: &str, pw: &str, cn: &str, cp: &str) -> String {
    format!("QN={qn};ST=31;CN={cn};PW={pw};MN={mn};Flag=5;CP=&&{cp}&&")
}

fn minute_cp(data_time: &str) -> String {
    format!("DataTime={data_time};a34013-Avg=5.10,a34013-Flag=N;a21026-Avg=21.30,a21026-Flag=N")
}

/// What the server sent back before answering the probe.
fn answers_before_probe(
    server: &TestServer,
    bad: &[u8],
    probe_qn: &str,
    mn: &str,
) -> Vec<(String, Option<String>)> {
    let mut stream = TcpStream::connect(server.gateway).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let probe = frame(&upload_segment(probe_qn, mn, PW, "2051", &minute_cp("20261101000000")));
    stream.write_all(bad).unwrap();
    stream.write_all(&probe).unwrap();
    let mut deframer = hj212::Deframer::new(hj212::DeframerConfig::default());
    let mut buffer = [0u8; 4096];
    let mut answers = Vec::new();
    loop {
        while let Some(event) = deframer.next_event() {
            let hj212::FrameEvent::Frame(frame) = event else { continue };
            let packet = hj212::decode_frame(&frame, &hj212::DecodeOptions::default()).unwrap();
            if packet.cn == "9014" && packet.qn == Some(probe_qn) {
                return answers;
            }
            answers.push((packet.cn.to_owned(), packet.cp.get("QnRtn").map(str::to_owned)));
        }
        let n_read = stream.read(&mut buffer).expect("the probe was answered");
        assert!(n_read > 0, "connection closed before the probe was answered");
        deframer.push(&buffer[..n_read]);
    }
}

/// The minute readings of device `mn` with Beijing data times in `[from, to)`.
fn minute_readings(store: &dyn Store, mn: &str, from: &str, to: &str) -> Vec<model::Reading> {
    let point = store.device_by_mn(&model::Mn::parse(mn).unwrap()).unwrap().unwrap().device.point;
    let at = |text: &str| model::BeijingTime::parse_hj212(text).unwrap().to_instant();
    let query = store::ReadingQuery {
        point,
        kind: model::DataKind::Minute,
        params: vec![],
        from: at(from),
        to: at(to),
        limit: 100,
    };
    store.readings(&query).unwrap()
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    /// Answers expected before the probe's: (CN, QnRtn).
    answers: Vec<(&'static str, Option<&'static str>)>,
    /// The archived verdict and reason of the bad input, or None when nothing is archived.
    archived: Option<(&'static str, Option<&'static str>)>,
}

fn check(server: &TestServer, store: &dyn Store, mn: &str, n: usize, case: &Case) {
    let probe_qn = format!("20261101000{n:03}000");
    let answers = answers_before_probe(server, &case.bytes, &probe_qn, mn);
    let expected: Vec<(String, Option<String>)> =
        case.answers.iter().map(|(cn, rtn)| ((*cn).to_owned(), rtn.map(str::to_owned))).collect();
    assert_eq!(answers, expected, "{}: answers", case.name);
    let newest = store.raw_packets(&RawQuery { limit: 2, ..RawQuery::default() }).unwrap();
    assert_eq!(
        newest[0].raw.verdict.label(),
        "accepted",
        "{}: the probe is archived last",
        case.name
    );
    match case.archived {
        None => assert!(
            newest.get(1).is_none_or(|previous| previous.raw.bytes != case.bytes),
            "{}: nothing archived",
            case.name
        ),
        Some((verdict, reason)) => {
            let archived = &newest[1].raw;
            assert_eq!(archived.verdict.label(), verdict, "{}: verdict", case.name);
            assert_eq!(archived.verdict.reason(), reason, "{}: reason", case.name);
            assert!(
                case.bytes.starts_with(&archived.bytes) || archived.bytes.ends_with(b"\r\n"),
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn each_malformed_input_gets_its_documented_outcome() {
    let devices = simulator::fleet::fleet(3);
    let device = &devices[2];
    let mn = device.mn.as_str();
    let mut server = TestServer::new("max_consecutive_refusals = 100\nclock_correct_secs = 0");
    server.register_fleet(&devices);
    server.start();
    let store = server.open_store();

    let good = upload_segment("20261101010000001", mn, PW, "2051", &minute_cp("20261101010000"));
    let mut bad_crc = frame(&good);
    let at = bad_crc.len() - 6;
    bad_crc[at] = if bad_crc[at] == b'0' { b'1' } else { b'0' };
    let mut wrong_length = frame(&good);
    wrong_length[2..6].copy_from_slice(b"0050");
    let oversized = frame(&upload_segment("20261101010000002", mn, PW, "2051", &"a".repeat(5000)));
    let truncated = frame(&good)[..60].to_vec();
    let mut non_ascii =
        format!("QN=20261101010000003;ST=31;CN=3020;PW={PW};MN={mn};Flag=5;CP=&&i11001-Info=")
            .into_bytes();
    non_ascii.extend_from_slice(&[0xC7, 0xE5, 0xCF, 0xB4]); // "清洗" in GBK
    non_ascii.extend_from_slice(b"&&");
    let non_ascii = {
        let crc = hj212::crc::crc_string(hj212::crc::crc16(&non_ascii));
        let mut framed = format!("##{:04}", non_ascii.len()).into_bytes();
        framed.extend_from_slice(&non_ascii);
        framed.extend_from_slice(crc.as_bytes());
        framed.extend_from_slice(b"\r\n");
        framed
    };
    let unknown_cn =
        frame(&upload_segment("20261101010000004", mn, PW, "7777", "DataTime=20261101010000"));
    let missing_mn =
        frame("QN=20261101010000005;ST=31;CN=2051;PW=123456;Flag=5;CP=&&DataTime=20261101010000&&");
    let cp_not_closed = {
        let segment = format!(
            "QN=20261101010000006;ST=31;CN=2051;PW={PW};MN={mn};Flag=5;CP=&&DataTime=20261101020000;a34013-Avg=5.1"
        );
        frame(&segment)
    };
    let non_numeric = frame(&upload_segment(
        "20261101010000007",
        mn,
        PW,
        "2051",
        "DataTime=20261101030000;a34013-Avg=abc,a34013-Flag=N;a21026-Avg=21.3,a21026-Flag=N",
    ));
    let wrong_password = frame(&upload_segment(
        "20261101010000008",
        mn,
        "654321",
        "2051",
        &minute_cp("20261101040000"),
    ));
    let unknown_mn = frame(&upload_segment(
        "20261101010000009",
        "NOSUCHDEVICE0001",
        PW,
        "2051",
        &minute_cp("20261101040000"),
    ));

    let cases = vec![
        Case {
            name: "bad CRC",
            bytes: bad_crc,
            answers: vec![],
            archived: Some(("malformed", Some("crc_mismatch"))),
        },
        Case {
            name: "wrong length field",
            bytes: wrong_length,
            answers: vec![],
            archived: Some(("malformed", Some("length_mismatch"))),
        },
        Case { name: "oversized packet", bytes: oversized, answers: vec![], archived: None },
        Case { name: "truncated packet", bytes: truncated, answers: vec![], archived: None },
        Case {
            name: "non-ASCII bytes",
            bytes: non_ascii,
            answers: vec![],
            archived: Some(("malformed", Some("invalid_utf8"))),
        },
        Case {
            name: "unknown CN",
            bytes: unknown_cn,
            answers: vec![("9014", None)],
            archived: Some(("archived", None)),
        },
        Case {
            name: "missing MN",
            bytes: missing_mn,
            answers: vec![],
            archived: Some(("malformed", Some("missing_field"))),
        },
        Case {
            name: "CP without closing &&",
            bytes: cp_not_closed,
            answers: vec![("9014", None)],
            archived: Some(("accepted", None)),
        },
        Case {
            name: "non-numeric value",
            bytes: non_numeric,
            answers: vec![("9014", None)],
            archived: Some(("accepted", None)),
        },
        Case {
            name: "wrong password",
            bytes: wrong_password,
            answers: vec![("9011", Some("3"))],
            archived: Some(("refused", Some("wrong_password"))),
        },
        Case {
            name: "unknown MN",
            bytes: unknown_mn,
            answers: vec![("9011", Some("4"))],
            archived: Some(("refused", Some("unknown_mn"))),
        },
    ];
    for (n, case) in cases.iter().enumerate() {
        check(&server, &store, mn, n, case);
    }
    assert_eq!(server.metric("qingshan_ingest_crc_errors_total"), 1.0);
    assert_eq!(
        server
            .metric("qingshan_ingest_packets_total{outcome=\"refused\",reason=\"wrong_password\"}"),
        1.0
    );
    assert_eq!(
        server.metric("qingshan_ingest_packets_total{outcome=\"refused\",reason=\"unknown_mn\"}"),
        1.0
    );
    assert!(
        server.metric("qingshan_ingest_skipped_bytes_total") > 5000.0,
        "the oversized packet was skipped"
    );
    let audit = store.audit_entries(10).unwrap();
    assert_eq!(audit.iter().filter(|entry| entry.action == "device_refused").count(), 2);
    // The non-numeric value is missing; the other value of that packet is stored.
    let readings = minute_readings(&store, mn, "20261101030000", "20261101030100");
    let value_of = |code: &str| {
        readings.iter().find(|reading| reading.key.param.as_str() == code).map(|r| r.values.avg)
    };
    assert_eq!(value_of("a21026"), Some(Some(21.3)), "the numeric value is stored");
    assert_eq!(value_of("a34013"), Some(None), "the non-numeric value is missing, its flag kept");
}

#[test]
fn duplicates_are_stored_once_and_history_may_arrive_out_of_order() {
    let devices = simulator::fleet::fleet(3);
    let mn = devices[2].mn.as_str();
    let mut server = TestServer::new("clock_correct_secs = 0");
    server.register_fleet(&devices);
    server.start();
    let store = server.open_store();
    let later =
        frame(&upload_segment("20261101050000001", mn, PW, "2051", &minute_cp("20261101050000")));
    let earlier =
        frame(&upload_segment("20261101050000002", mn, PW, "2051", &minute_cp("20261101040000")));
    let mut bytes = later.clone();
    bytes.extend_from_slice(&later);
    bytes.extend_from_slice(&earlier);
    let answers = answers_before_probe(&server, &bytes, "20261101050000003", mn);
    assert_eq!(answers.len(), 3, "each of the three packets is answered: {answers:?}");
    // Two readings from `later` (once), two from `earlier`, two from the probe.
    assert_eq!(store.count_readings().unwrap(), 6);
    assert_eq!(server.metric("qingshan_ingest_readings_total{kind=\"duplicate\"}"), 2.0);
}

#[test]
fn a_device_whose_clock_is_off_is_sent_the_time_once() {
    let devices = simulator::fleet::fleet(3);
    let mn = devices[2].mn.as_str();
    let mut server = TestServer::new("clock_correct_secs = 120");
    server.register_fleet(&devices);
    server.start();
    // The QN says 2026-11-01, far from now: the device's clock is off.
    let stale =
        frame(&upload_segment("20261101060000001", mn, PW, "2051", &minute_cp("20261101060000")));
    let answers = answers_before_probe(&server, &stale, "20261101060000002", mn);
    assert_eq!(
        answers,
        [("1012".to_owned(), None), ("9014".to_owned(), None)],
        "one set-time, then the answer"
    );
    assert_eq!(server.metric("qingshan_ingest_clock_corrections_total"), 1.0);
}

#[test]
fn subpackets_are_answered_each_and_later_parts_inherit_the_data_time() {
    let devices = simulator::fleet::fleet(3);
    let mn = devices[2].mn.as_str();
    let mut server = TestServer::new("clock_correct_secs = 0");
    server.register_fleet(&devices);
    server.start();
    let store = server.open_store();
    let part = |qn: &str, pno: u16, cp: &str| {
        frame(&format!("QN={qn};ST=31;CN=2051;PW={PW};MN={mn};Flag=7;PNUM=2;PNO={pno};CP=&&{cp}&&"))
    };
    let mut bytes =
        part("20261101070000001", 1, "DataTime=20261101070000;a34013-Avg=5.1,a34013-Flag=N");
    bytes.extend(part("20261101070000002", 2, "a21026-Avg=21.3,a21026-Flag=N"));
    let answers = answers_before_probe(&server, &bytes, "20261101070000003", mn);
    assert_eq!(answers.len(), 2, "each part is answered: {answers:?}");
    let readings = minute_readings(&store, mn, "20261101070000", "20261101070100");
    let codes: Vec<&str> = readings.iter().map(|reading| reading.key.param.as_str()).collect();
    assert_eq!(codes, ["a21026", "a34013"], "both parts' readings carry the first part's DataTime");
}

#[test]
fn a_device_allowed_modbus_crc_is_accepted_with_the_deviation_recorded() {
    let devices = simulator::fleet::fleet(3);
    let mn = devices[2].mn.clone();
    let mut server = TestServer::new("clock_correct_secs = 0");
    server.register_fleet(&devices);
    let segment =
        upload_segment("20261101080000001", &mn, PW, "2051", &minute_cp("20261101080000"));
    let [low_first, _] = hj212::crc::modbus_wire_values(segment.as_bytes());
    let modbus =
        format!("##{:04}{segment}{}\r\n", segment.len(), hj212::crc::crc_string(low_first))
            .into_bytes();
    {
        // Refused by default…
        server.start();
        let answers = answers_before_probe(&server, &modbus, "20261101080000002", &mn);
        assert!(answers.is_empty(), "{answers:?}");
        server.stop();
    }
    // …accepted once the device is marked as sending CRC-16/MODBUS.
    let store = server.open_store();
    let mut device = store.device_by_mn(&model::Mn::parse(&mn).unwrap()).unwrap().unwrap().device;
    device.leniency.accept_modbus_crc = true;
    store.upsert_device(&device).unwrap();
    server.start();
    let answers = answers_before_probe(&server, &modbus, "20261101080000003", &mn);
    assert_eq!(answers, [("9014".to_owned(), None)]);
    let newest = store.raw_packets(&RawQuery { limit: 2, ..RawQuery::default() }).unwrap();
    assert_eq!(newest[1].raw.verdict.label(), "accepted");
    assert!(
        newest[1].raw.deviations.iter().any(|deviation| deviation == "modbus_crc"),
        "{:?}",
        newest[1].raw.deviations
    );
    let log = store.connection_log(Some(&mn), 100).unwrap();
    assert!(log.iter().any(|event| event.event == "closed"), "connections are logged: {log:?}");
}

#[test]
fn readings_dated_in_the_future_are_stored_and_flagged() {
    let devices = simulator::fleet::fleet(3);
    let mn = devices[2].mn.as_str();
    let mut server = TestServer::new("clock_correct_secs = 0\nfuture_tolerance_secs = 600");
    server.register_fleet(&devices);
    server.start();
    let store = server.open_store();
    let tomorrow = (model::Clock::now(&model::SystemClock).to_beijing().0
        + chrono::Duration::days(1))
    .format("%Y%m%d%H%M00")
    .to_string();
    let future = frame(&upload_segment("20261101090000001", mn, PW, "2051", &minute_cp(&tomorrow)));
    let answers = answers_before_probe(&server, &future, "20261101090000002", mn);
    assert_eq!(answers, [("9014".to_owned(), None)], "stored and answered");
    let newest = store.raw_packets(&RawQuery { limit: 2, ..RawQuery::default() }).unwrap();
    assert!(
        newest[1].raw.deviations.iter().any(|deviation| deviation == "data_time_in_future"),
        "{:?}",
        newest[1].raw.deviations
    );
    assert_eq!(
        server.metric("qingshan_ingest_deviations_total{kind=\"data_time_in_future\"}"),
        1.0
    );
}
