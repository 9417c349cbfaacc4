//! Conformance cases of [`crate::CorrectionStore`]: corrections add versions,
//! queries show the current one with its marker, the original reading and its
//! raw packet stay as received, every correction is audited, and the watermark
//! scans report a correction like late data.

use model::{DataKind, Instant, ParamCode, ReadingKey, ReadingValues};

use crate::conformance::fixture::{accepted_packet, all_readings, at, point_and_device, reading};
use crate::{IngestBatch, NewCorrection, RawQuery, Store};

/// One hour reading of SO2 at `at(0)` with avg 120, stored; returns its key and raw id.
fn stored_hour(store: &dyn Store) -> (ReadingKey, i64) {
    let (point, device) = point_and_device(store, "MN-CORR");
    let hour = reading(point, "a21026", DataKind::Hour, 0, 120.0);
    let key = hour.key.clone();
    let packet = accepted_packet(device, vec![hour], 10);
    let report = store
        .commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() })
        .unwrap();
    (key, report.packets[0].raw_id)
}

fn correction(key: &ReadingKey, avg: Option<f64>, reason: &str) -> NewCorrection {
    NewCorrection {
        key: key.clone(),
        values: ReadingValues { avg, flag: Some("N".to_owned()), ..ReadingValues::default() },
        reason: reason.to_owned(),
        base_version: None,
    }
}

/// Two corrections make versions 2 and 3; readings show version 3 with its
/// marker, the history keeps all three, the original reading and raw packet are
/// unchanged, the latest values follow, and each correction is audited with
/// before, after and reason.
pub fn corrections_add_versions_and_queries_show_the_current_one(store: &dyn Store) {
    let (key, raw_id) = stored_hour(store);
    let raw_before = store.raw_packets(&RawQuery { limit: 10, ..RawQuery::default() }).unwrap();

    let second = store
        .correct_reading(&correction(&key, Some(12.0), "标定记录: 零点漂移"), "alice", at(5_000))
        .unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(second.arrival_raw_id, raw_id + 1, "placed where the next packet goes");
    let based_on_2 =
        NewCorrection { base_version: Some(2), ..correction(&key, Some(13.5), "复核") };
    let third = store.correct_reading(&based_on_2, "bob", at(6_000)).unwrap();
    assert_eq!(third.version, 3);

    let readings = store.readings(&all_readings(key.point, DataKind::Hour)).unwrap();
    assert_eq!(readings.len(), 1);
    assert_eq!(readings[0].values.avg, Some(13.5));
    let marked = store.marked_readings(&all_readings(key.point, DataKind::Hour)).unwrap();
    let marker = marked[0].corrected.as_ref().expect("a corrected reading is marked");
    assert_eq!((marker.version, marker.actor.as_str(), marker.at), (3, "bob", at(6_000)));
    assert_eq!(marker.reason, "复核");
    let filtered = crate::ReadingQuery {
        params: vec![ParamCode::parse("a21026").unwrap()],
        ..all_readings(key.point, DataKind::Hour)
    };
    assert_eq!(store.readings(&filtered).unwrap()[0].values.avg, Some(13.5));

    let history = store.reading_history(&key).unwrap();
    let summary: Vec<(u32, Option<f64>, Option<&str>)> =
        history.iter().map(|v| (v.version, v.values.avg, v.actor.as_deref())).collect();
    assert_eq!(
        summary,
        [(1, Some(120.0), None), (2, Some(12.0), Some("alice")), (3, Some(13.5), Some("bob"))]
    );
    assert_eq!(history[0].arrival_raw_id, raw_id, "version 1 names its raw packet");
    assert_eq!(history[1].reason.as_deref(), Some("标定记录: 零点漂移"));
    assert_eq!(
        store.raw_packets(&RawQuery { limit: 10, ..RawQuery::default() }).unwrap(),
        raw_before
    );

    let latest = store.latest_readings(DataKind::Hour).unwrap();
    assert_eq!(latest[0].values.avg, Some(13.5));

    let audit = store.audit_entries(10).unwrap();
    let corrected: Vec<_> = audit.iter().filter(|e| e.action == "reading_corrected").collect();
    assert_eq!(corrected.len(), 2);
    assert_eq!(corrected[0].actor, "bob");
    assert_eq!(corrected[0].detail["before"]["values"]["avg"], 12.0);
    assert_eq!(corrected[0].detail["after"]["values"]["avg"], 13.5);
    assert_eq!(corrected[0].detail["after"]["version"], 3);
    assert_eq!(corrected[0].detail["reason"], "复核");
    assert!(corrected[0].subject.contains("a21026"), "{}", corrected[0].subject);

    // An uncorrected reading of the same point has no marker.
    let plain = store.marked_readings(&all_readings(key.point, DataKind::Minute)).unwrap();
    assert!(plain.is_empty());
}

/// A blank reason, an unknown reading and unchanged values are refused, and
/// nothing is written.
pub fn corrections_are_refused_without_reason_unknown_or_unchanged(store: &dyn Store) {
    let (key, _) = stored_hour(store);
    let blank =
        store.correct_reading(&correction(&key, Some(1.0), "  "), "alice", at(1)).unwrap_err();
    assert_eq!(blank.reason(), "reason_required");
    let unknown_key = ReadingKey { data_time: at(3_600_000), ..key.clone() };
    let unknown = store
        .correct_reading(&correction(&unknown_key, Some(1.0), "x"), "alice", at(1))
        .unwrap_err();
    assert_eq!(unknown.reason(), "not_found");
    let other_param = ReadingKey { param: ParamCode::parse("a21002").unwrap(), ..key.clone() };
    assert_eq!(
        store
            .correct_reading(&correction(&other_param, Some(1.0), "x"), "a", at(1))
            .unwrap_err()
            .reason(),
        "not_found"
    );
    let stale = NewCorrection { base_version: Some(2), ..correction(&key, Some(1.0), "x") };
    assert_eq!(store.correct_reading(&stale, "alice", at(1)).unwrap_err().reason(), "stale");
    let same =
        store.correct_reading(&correction(&key, Some(120.0), "x"), "alice", at(1)).unwrap_err();
    assert_eq!(same.reason(), "unchanged");
    assert_eq!(store.reading_history(&key).unwrap().len(), 1);
    assert!(store.reading_history(&unknown_key).unwrap().is_empty());
    assert!(store.audit_entries(10).unwrap().iter().all(|e| e.action != "reading_corrected"));
}

/// After the watermark passed a reading, a correction of it is reported by the
/// hour scan once the next packet is archived, like late data; a corrected
/// minute reports its hour.
pub fn corrections_count_as_late_data_after_the_next_packet(store: &dyn Store) {
    let (key, raw_id) = stored_hour(store);
    let (point, device) =
        (key.point, store.device_by_mn(&model::Mn::parse("MN-CORR").unwrap()).unwrap().unwrap().id);
    let minute = reading(point, "a21026", DataKind::Minute, 120_000, 30.0);
    let minute_key = minute.key.clone();
    store
        .commit_batch(&IngestBatch {
            packets: vec![accepted_packet(device, vec![minute], 20)],
            ..IngestBatch::default()
        })
        .unwrap();
    let watermark = store.touched_readings(0, 100, DataKind::Hour).unwrap().up_to_raw_id;
    assert_eq!(watermark, raw_id + 1);

    store.correct_reading(&correction(&key, Some(12.0), "标定"), "alice", at(5_000)).unwrap();
    store.correct_reading(&correction(&minute_key, Some(3.0), "标定"), "alice", at(5_000)).unwrap();
    let quiet = store.touched_readings(watermark, 100, DataKind::Hour).unwrap();
    assert!(quiet.readings.is_empty(), "placed after the newest packet, not before the watermark");

    // Any device's next packet moves the archive past the corrections.
    let (other_point, other_device) = point_and_device(store, "MN-OTHER");
    let next = accepted_packet(
        other_device,
        vec![reading(other_point, "a21026", DataKind::Realtime, 0, 1.0)],
        30,
    );
    store.commit_batch(&IngestBatch { packets: vec![next], ..IngestBatch::default() }).unwrap();
    let touched = store.touched_readings(watermark, 100, DataKind::Hour).unwrap();
    let hour_of_minute = Instant::from_unix_millis(
        minute_key.data_time.unix_millis().div_euclid(3_600_000) * 3_600_000,
    )
    .unwrap();
    let pairs: Vec<_> = touched.readings.iter().map(|t| (t.point, t.data_time)).collect();
    let mut expected = vec![(point, key.data_time), (point, hour_of_minute)];
    expected.sort();
    expected.dedup();
    assert_eq!(pairs, expected);
    let minutes = store.touched_readings(watermark, 100, DataKind::Minute).unwrap();
    assert_eq!(
        minutes.readings.iter().map(|t| (t.point, t.data_time)).collect::<Vec<_>>(),
        [(point, minute_key.data_time)]
    );
    let after = store.touched_readings(touched.up_to_raw_id, 100, DataKind::Hour).unwrap();
    assert!(after.readings.is_empty(), "reported once");
}

/// A point's raw packets for a period: those its devices sent in the period
/// (refused ones too) and those that brought its readings of the period, oldest
/// first; another point's packets and packets outside the period are left out.
pub fn case_raw_packets_are_the_points_for_the_period(store: &dyn Store) {
    let (point, device) = point_and_device(store, "MN-CASE");
    let (other_point, other_device) = point_and_device(store, "MN-ELSE");
    let send = |device, readings, received_offset_ms| {
        let packet = accepted_packet(device, readings, received_offset_ms);
        let report = store
            .commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() })
            .unwrap();
        report.packets[0].raw_id
    };
    // The fixture's packets carry MN "M": the point's devices are found by readings here.
    let before =
        send(device, vec![reading(point, "a21026", DataKind::Hour, -7_200_000, 1.0)], -7_000_000);
    let inside = send(device, vec![reading(point, "a21026", DataKind::Hour, 0, 2.0)], 10);
    let late =
        send(device, vec![reading(point, "a21026", DataKind::Hour, 3_600_000, 3.0)], 90_000_000);
    let _other =
        send(other_device, vec![reading(other_point, "a21026", DataKind::Hour, 0, 4.0)], 20);
    let mut refused = crate::conformance::fixture::refused_packet(b"##0000bad", 30);
    refused.raw.mn = Some("MN-CASE".to_owned());
    let refused_id = store
        .commit_batch(&IngestBatch { packets: vec![refused], ..IngestBatch::default() })
        .unwrap()
        .packets[0]
        .raw_id;
    let packets = store.point_raw_packets(point, at(0), at(7_200_000), 0, 100).unwrap();
    let ids: Vec<i64> = packets.iter().map(|record| record.id).collect();
    assert_eq!(ids, [inside, late, refused_id]);
    assert!(!ids.contains(&before));
    assert_eq!(packets[2].raw.bytes, b"##0000bad");
    let page = store.point_raw_packets(point, at(0), at(7_200_000), inside, 1).unwrap();
    assert_eq!(page.iter().map(|record| record.id).collect::<Vec<_>>(), [late]);
}
