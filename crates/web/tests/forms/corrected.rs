//! Corrected readings are marked on the point page as the JSON API marks
//! them: a 已修正 badge with the version, who, when and why, linked for
//! staff to the reading's history; readings as received have none.

use std::sync::Arc;

use axum::http::StatusCode;
use model::account::Role;
use model::{DataKind, Mn, ParamCode, Reading, ReadingKey, ReadingValues};
use store::{
    CorrectionStore, IncomingPacket, IngestBatch, NewCorrection, NewDevice, RawPacket, SqliteStore,
    Store, Verdict,
};

use crate::util::{element, get, now, outlet, send, sign_in, state_on};

/// A point with two hours of SO2; the second hour corrected by `ana`.
fn state() -> (web::AppState, model::PointId, Reading) {
    let store = SqliteStore::open_in_memory().unwrap();
    let point = outlet(&store);
    store
        .upsert_device(&NewDevice {
            mn: Mn::parse("MN0001").unwrap(),
            password_hash: "not-used".into(),
            protocol: "2017".into(),
            point,
            leniency: Default::default(),
            simulated: true,
        })
        .unwrap();
    let hour = |h: i64, avg: f64| Reading {
        key: ReadingKey {
            point,
            param: ParamCode::parse("a21026").unwrap(),
            kind: DataKind::Hour,
            data_time: model::Instant(now().0 - chrono::Duration::hours(h)),
        },
        values: ReadingValues { avg: Some(avg), flag: Some("N".into()), ..Default::default() },
    };
    let readings = vec![hour(3, 41.5), hour(2, 812.0)];
    let raw = RawPacket {
        bytes: b"##0000".to_vec(),
        received_at: now(),
        peer: "127.0.0.1:1".into(),
        mn: Some("MN0001".into()),
        device: None,
        cn: Some(2061),
        verdict: Verdict::Accepted,
        deviations: vec![],
    };
    store
        .commit_batch(&IngestBatch {
            packets: vec![IncomingPacket { raw, readings: readings.clone() }],
            ..Default::default()
        })
        .unwrap();
    let corrected = readings[1].clone();
    store
        .correct_reading(
            &NewCorrection {
                key: corrected.key.clone(),
                values: ReadingValues { avg: Some(81.2), ..corrected.values.clone() },
                reason: "小数点错位，见校准记录".into(),
                base_version: Some(1),
            },
            "ana",
            now(),
        )
        .unwrap();
    (state_on(Arc::new(store)), point, corrected)
}

#[tokio::test]
async fn a_corrected_reading_is_marked_with_its_history_link_and_the_others_are_not() {
    let (state, point, corrected) = state();
    let inspector = sign_in(&state, "insp", Role::Inspector);
    let uri = format!("/points/{}?kind=hour", point.0);
    let (status, _, page) = send(&state, get(&uri, Some(&inspector))).await;
    assert_eq!(status, StatusCode::OK, "{page:.300}");
    let table = element(&page, "table", "table-readings");
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{table}");
    // Newest first: the corrected hour, with its current value 81.2 (not 812).
    assert!(rows[0].contains("81.2") && !rows[0].contains("812"), "{}", rows[0]);
    assert!(rows[0].contains("已修正 v2 · ana"), "{}", rows[0]);
    assert!(rows[0].contains("小数点错位，见校准记录"), "the reason: {}", rows[0]);
    let link = format!(
        "/api/v1/points/{}/readings/history?kind=hour&amp;data_time={}&amp;param=a21026",
        point.0,
        corrected.key.data_time.to_rfc3339().replace(':', "%3A").replace('+', "%2B")
    );
    assert!(rows[0].contains(&link), "{link} in {}", rows[0]);
    assert!(!rows[1].contains("已修正") && rows[1].contains("41.5"), "{}", rows[1]);
    assert!(page.contains("本时段经人工修正的数据条数"), "the notice");

    // The link answers with every version.
    let history = link.replace("&amp;", "&");
    let (status, _, body) = send(&state, get(&history, Some(&inspector))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("812") && body.contains("81.2"), "{body}");

    let (_, _, page) = send(&state, get(&format!("{uri}&lang=en"), Some(&inspector))).await;
    assert!(element(&page, "table", "table-readings").contains("corrected v2"), "English");
}
