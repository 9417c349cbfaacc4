//! Per-area air and water results through HTTP (issue #7), on a registry of
//! two towns, a river and a reservoir.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use model::registry::{
    AirStationLevel, Boundary, RecordStatus, SectionLevel, WaterBodyKind, WaterTarget,
};
use model::{BeijingTime, DataKind, Instant, ParamCode, Reading, ReadingKey, ReadingValues};
use serde_json::{Value, json};
use store::{
    AirStation, IncomingPacket, IngestBatch, RawPacket, RegistryChange, RegistryEntity,
    RegistryStore, Section, SqliteStore, Store, Town, Verdict, WaterBody,
};
use tower::ServiceExt;

const DAY: &str = "2026-03-02";

fn hour(h: u32) -> Instant {
    let date = NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap();
    BeijingTime(date.and_hms_opt(h, 0, 0).unwrap()).to_instant()
}

fn active(entity: RegistryEntity) -> RegistryChange {
    RegistryChange { entity, status: RecordStatus::Active, sample: false }
}

fn town(code: &str, name: &str) -> RegistryChange {
    active(RegistryEntity::Town(Town {
        code: code.into(),
        name: name.into(),
        district: "五通桥区".into(),
    }))
}

fn station(code: &str, town: &str) -> RegistryChange {
    active(RegistryEntity::AirStation(AirStation {
        code: code.into(),
        name: format!("{code} 站"),
        town: town.into(),
        level: AirStationLevel::Provincial,
        longitude: 103.8,
        latitude: 29.4,
    }))
}

fn body(code: &str, kind: WaterBodyKind) -> RegistryChange {
    active(RegistryEntity::WaterBody(WaterBody { code: code.into(), name: code.into(), kind }))
}

fn section(code: &str, water_body: &str, order: u32) -> RegistryChange {
    section_with(code, water_body, order, WaterTarget::III, false)
}

fn section_with(
    code: &str,
    water_body: &str,
    order: u32,
    target: WaterTarget,
    drinking_source: bool,
) -> RegistryChange {
    active(RegistryEntity::Section(Section {
        code: code.into(),
        name: format!("{code} 断面"),
        water_body: water_body.into(),
        town: "T1".into(),
        level: SectionLevel::District,
        target,
        longitude: 103.8,
        latitude: 29.4,
        drinking_source,
        boundary: Boundary::No,
        order,
    }))
}

/// 24 hours of `param` = `value` on [`DAY`] for the point with `code`.
fn hours(store: &dyn Store, code: &str, param: &str, value: f64) -> Vec<IncomingPacket> {
    hours_in(store, code, param, value, 0..24)
}

/// `param` = `value` at the hours `range` of [`DAY`] for the point with `code`.
fn hours_in(
    store: &dyn Store,
    code: &str,
    param: &str,
    value: f64,
    range: std::ops::Range<u32>,
) -> Vec<IncomingPacket> {
    let point = store.points().unwrap().into_iter().find(|p| p.point.code == code).unwrap().id;
    range
        .map(|h| IncomingPacket {
            raw: RawPacket {
                bytes: b"##0000".to_vec(),
                received_at: hour(h),
                peer: "127.0.0.1:1".into(),
                mn: None,
                device: None,
                cn: Some(2061),
                verdict: Verdict::Accepted,
                deviations: vec![],
            },
            readings: vec![Reading {
                key: ReadingKey {
                    point,
                    param: ParamCode::parse(param).unwrap(),
                    kind: DataKind::Hour,
                    data_time: hour(h),
                },
                values: ReadingValues {
                    avg: Some(value),
                    flag: Some("N".into()),
                    ..Default::default()
                },
            }],
        })
        .collect()
}

fn state() -> web::AppState {
    let store = SqliteStore::open_in_memory().unwrap();
    let changes = vec![
        town("T1", "竹根镇"),
        town("T2", "牛华镇"),
        station("A1", "T1"),
        station("A2", "T1"),
        station("A3", "T2"),
        body("RIVER", WaterBodyKind::River),
        body("RES", WaterBodyKind::Reservoir),
        section("R1", "RIVER", 1),
        section("R2", "RIVER", 2),
        section("R3", "RIVER", 3),
        section("R4", "RIVER", 4),
        section("R5", "RIVER", 5),
        section("V1", "RES", 1),
    ];
    store.apply_registry(&changes, "tests", hour(0)).unwrap();
    let mut packets = Vec::new();
    // PM2.5 (µg/m³): the town T1's hourly mean is (50 + 100) / 2 = 75, T2's 75,
    // the district's (50 + 100 + 75) / 3 = 75.
    for (code, value) in [("A1", 50.0), ("A2", 100.0), ("A3", 75.0)] {
        packets.extend(hours(&store, code, "a34004", value));
    }
    // TP (mg/L): river classes I, II, III, IV, 劣V (river limits 0.02/0.1/0.2/0.3/0.4);
    // the reservoir's 0.04 is class III on the lake limits (0.025 < 0.04 ≤ 0.05).
    for (code, value) in
        [("R1", 0.02), ("R2", 0.1), ("R3", 0.2), ("R4", 0.3), ("R5", 0.5), ("V1", 0.04)]
    {
        packets.extend(hours(&store, code, "w21011", value));
    }
    store.commit_batch(&IngestBatch { packets, ..Default::default() }).unwrap();
    let mut registry = prometheus_client::registry::Registry::default();
    let metrics = web::auth::Metrics::register(&mut registry);
    web::AppState {
        store: Arc::new(store),
        registry: Arc::new(registry),
        clock: Arc::new(model::time::FixedClock(hour(12))),
        web: Arc::new(web::WebState::new(web::WebConfig::default(), metrics)),
    }
}

/// GETs `uri` anonymously (per-area results are public) and returns the status and JSON body.
async fn check(uri: &str) -> (StatusCode, Value) {
    get(&state(), uri).await
}

/// GETs `uri` anonymously on `state` and returns the status and JSON body.
async fn get(state: &web::AppState, uri: &str) -> (StatusCode, Value) {
    let response = web::router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// The area results `computed` and `reused` so far for `domain`, from `/metrics`.
async fn counted(state: &web::AppState, domain: &str) -> (u64, u64) {
    let response = web::router(state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let count = |outcome: &str| {
        let series = format!(
            "qingshan_web_area_results_total{{domain=\"{domain}\",outcome=\"{outcome}\"}} "
        );
        text.lines()
            .find_map(|line| line.strip_prefix(&series))
            .map_or(0, |value| value.trim().parse().unwrap())
    };
    (count("computed"), count("reused"))
}

/// Commits `packets` to the state's store, as the gateway would.
fn commit(state: &web::AppState, packets: Vec<IncomingPacket>) {
    state.store.commit_batch(&IngestBatch { packets, ..Default::default() }).unwrap();
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|item| item["code"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn air_areas_are_the_district_and_its_towns_with_stations() {
    let (status, body) = check("/api/v1/air/areas").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(codes(&body["areas"]), ["district", "T1", "T2"]);
    assert_eq!(body["areas"][0]["name"], "五通桥区");
    assert_eq!(codes(&body["areas"][1]["points"]), ["A1", "A2"]);
}

#[tokio::test]
async fn a_towns_daily_aqi_comes_from_the_hourly_mean_of_its_stations() {
    let (status, body) = check(&format!("/api/v1/air/areas/T1?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["hour_label"], "period_start");
    assert_eq!(body["area"]["kind"], "town");
    let day = &body["days"][0];
    assert_eq!(day["date"], DAY);
    // PM2.5 24-hour mean 75 under HJ 633-2026 (in force from 2026-03-01): IAQI 114.
    assert_eq!(day["pollutants"]["PM2.5"]["value"], 75.0, "{day:#}");
    assert_eq!(day["aqi"], 114);
    assert_eq!(day["primary"], Value::from(vec!["PM2.5"]));
    assert_eq!(day["edition"], "HJ 633-2026");
    assert_eq!(day["n_stations"], 2);
    let piece = &body["period"]["pieces"][0];
    assert_eq!(piece["pollutants"]["PM2.5"]["mean"], 75.0, "{piece:#}");
    assert_eq!(piece["days"]["n_aqi_days"], 1);
    assert_eq!(piece["days"]["n_over"], 1, "AQI 114 is over 100");
    // Each station's own statistics come alongside.
    assert_eq!(codes(&body["stations"]), ["A1", "A2"]);
    assert_eq!(body["stations"][0]["period"]["pieces"][0]["pollutants"]["PM2.5"]["mean"], 50.0);
    assert_eq!(body["stations"][1]["period"]["pieces"][0]["pollutants"]["PM2.5"]["mean"], 100.0);
}

#[tokio::test]
async fn the_district_takes_every_station() {
    let (status, body) = check(&format!("/api/v1/air/areas/district?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["n_stations"], 3);
    assert_eq!(body["days"][0]["pollutants"]["PM2.5"]["value"], 75.0);
    assert_eq!(body["days"][0]["n_stations"], 3);
}

#[tokio::test]
async fn a_period_across_the_edition_change_comes_in_pieces() {
    let (status, body) = check("/api/v1/air/areas/T2?from=2026-02-27&to=2026-03-02").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"]["piecewise"], true);
    let pieces = body["period"]["pieces"].as_array().unwrap();
    assert_eq!(pieces[0]["edition"], "HJ 633-2012");
    assert_eq!(pieces[0]["to"], "2026-02-28");
    assert_eq!(pieces.last().unwrap()["edition"], "HJ 633-2026");
}

#[tokio::test]
async fn a_river_with_five_sections_is_graded_by_its_shares() {
    let (status, body) = check(&format!("/api/v1/water/areas/RIVER?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let classes: Vec<&str> =
        body["sections"].as_array().unwrap().iter().map(|s| s["class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["I", "II", "III", "IV", "劣V"]);
    let shares: Vec<u64> = body["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["n_sections"].as_u64().unwrap())
        .collect();
    assert_eq!(shares, [1, 1, 1, 1, 0, 1]);
    // I–III 60 % (< 75 %) and 劣V 20 % (20 % ≤ share < 40 %): 中度污染.
    assert_eq!(body["share_i_to_iii_percent"], 60.0);
    assert_eq!(body["share_worse_than_v_percent"], 20.0);
    assert_eq!(body["method"], "shares");
    assert_eq!(body["status"], "moderately_polluted");
    assert_eq!(body["status_zh"], "中度污染");
    assert_eq!(body["main_pollutants"][0]["item"], "TP");
    assert_eq!(body["main_pollutants"][0]["n_exceeding"], 2);
}

#[tokio::test]
async fn a_reservoir_with_one_section_is_graded_by_its_means_on_the_lake_limits() {
    let (status, body) = check(&format!("/api/v1/water/areas/RES?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["area"]["water_body_kind"], "reservoir");
    assert_eq!(body["sections"][0]["class"], "III", "TP 0.04 on a reservoir");
    assert_eq!(body["method"], "means");
    assert_eq!(body["class_of_means"], "III");
    assert_eq!(body["status_zh"], "良好");
}

#[tokio::test]
async fn the_district_basin_takes_every_section() {
    let (status, body) = check(&format!("/api/v1/water/areas/district?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["n_sections_with_class"], 6);
    // I–III 4 of 6 (66.7 %), 劣V 1 of 6 (16.7 %): 轻度污染.
    assert_eq!(body["share_i_to_iii_percent"], 66.7);
    assert_eq!(body["status_zh"], "轻度污染");
    let (_, list) = check("/api/v1/water/areas").await;
    assert_eq!(codes(&list["areas"]), ["district", "RES", "RIVER"]);
}

#[tokio::test]
async fn unknown_areas_and_bad_ranges_are_refused() {
    let (status, body) = check("/api/v1/air/areas/T9").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = check("/api/v1/water/areas/A1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an air station is not a water area");
    let (status, body) = check("/api/v1/air/areas/T1?from=2025-01-01&to=2026-03-02").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["en"].as_str().unwrap().contains("366"), "{body}");
    let (status, _) = check("/api/v1/water/areas/RIVER?from=2026-03-03&to=2026-03-02").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = check("/api/v1/water/areas/RIVER?from=2026-3-x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_repeated_area_query_is_served_without_recomputing_until_its_data_changes() {
    let state = state();
    let uri = format!("/api/v1/air/areas/T1?from={DAY}&to={DAY}");
    let (status, first) = get(&state, &uri).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(get(&state, &uri).await.1, first);
    assert_eq!(counted(&state, "air").await, (1, 1), "the second request reused the first result");
    // New data elsewhere: another town's station, or T1's station after the range.
    commit(&state, hours_in(state.store.as_ref(), "A3", "a34002", 80.0, 0..24));
    let next_day = hour(0).0 + chrono::Duration::days(2);
    let mut later = hours_in(state.store.as_ref(), "A1", "a34002", 80.0, 0..1);
    later[0].readings[0].key.data_time = Instant(next_day);
    commit(&state, later);
    assert_eq!(get(&state, &uri).await.1, first);
    assert_eq!(counted(&state, "air").await, (1, 2), "nothing T1 reads for {DAY} changed");
    // A new reading of T1's station on the day: the next request sees it.
    commit(&state, hours_in(state.store.as_ref(), "A1", "a34002", 80.0, 0..24));
    let (_, after) = get(&state, &uri).await;
    assert_eq!(counted(&state, "air").await, (2, 2));
    assert_eq!(first["days"][0]["pollutants"]["PM10"]["value"], Value::Null, "{first:#}");
    assert_eq!(after["days"][0]["pollutants"]["PM10"]["value"], 80.0, "{after:#}");
    // Another range or another area is another result.
    get(&state, &format!("/api/v1/air/areas/district?from={DAY}&to={DAY}")).await;
    get(&state, "/api/v1/air/areas/T1?from=2026-03-01&to=2026-03-02").await;
    assert_eq!(counted(&state, "air").await, (4, 2));
}

#[tokio::test]
async fn a_repeated_water_query_follows_new_samples_and_registry_changes() {
    let state = state();
    let uri = format!("/api/v1/water/areas/RES?from={DAY}&to={DAY}");
    let (_, first) = get(&state, &uri).await;
    assert_eq!(first["sections"][0]["class"], "III", "{first:#}");
    assert_eq!(first["sections"][0]["meets_target"], true);
    get(&state, &uri).await;
    assert_eq!(counted(&state, "water").await, (1, 1));
    // The reservoir's section becomes a class-1 protection zone (target II).
    state
        .store
        .apply_registry(&[section_with("V1", "RES", 1, WaterTarget::II, true)], "tests", hour(13))
        .unwrap();
    let (_, zone) = get(&state, &uri).await;
    assert_eq!(counted(&state, "water").await, (2, 1), "a registry change is a new result");
    let section = &zone["sections"][0];
    assert_eq!((&section["target"], &section["meets_target"]), (&json!("II"), &json!(false)));
    assert_eq!(section["items_over_target"], json!(["TP"]), "{zone:#}");
    assert_eq!(
        (&zone["n_sections_with_target"], &zone["n_meeting_target"]),
        (&json!(1), &json!(0))
    );
    // A late sample of the day: NH3-N 2.5 mg/L at 12:00 (worse than V) is seen at once.
    commit(&state, hours_in(state.store.as_ref(), "V1", "w21003", 2.5, 12..13));
    let (_, late) = get(&state, &uri).await;
    assert_eq!(counted(&state, "water").await, (3, 1));
    let section = &late["sections"][0];
    assert_eq!((&section["class"], &section["deciding_items"]), (&json!("劣V"), &json!(["NH3-N"])));
    assert_eq!(section["items_over_target"], json!(["NH3-N", "TP"]), "{late:#}");
}

#[tokio::test]
async fn concurrent_requests_for_one_area_compute_it_once() {
    let state = state();
    let uri = format!("/api/v1/air/areas/district?from={DAY}&to={DAY}");
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let (state, uri) = (state.clone(), uri.clone());
            tokio::spawn(async move { get(&state, &uri).await })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap().0, StatusCode::OK);
    }
    assert_eq!(counted(&state, "air").await, (1, 7));
}

#[tokio::test]
async fn an_area_can_be_evaluated_under_a_chosen_edition() {
    let state = state();
    let uri = |edition: &str| format!("/api/v1/air/areas/T1?from={DAY}&to={DAY}{edition}");
    let (_, by_date) = get(&state, &uri("")).await;
    assert_eq!(
        (&by_date["edition_choice"], &by_date["days"][0]["aqi"]),
        (&json!("by_date"), &json!(114))
    );
    // PM2.5 75 µg/m³ is exactly the HJ 633-2012 breakpoint of IAQI 100.
    let (status, fixed) = get(&state, &uri("&edition=HJ%20633-2012")).await;
    assert_eq!(status, StatusCode::OK, "{fixed}");
    assert_eq!(fixed["edition_choice"], "HJ 633-2012");
    assert_eq!(
        (&fixed["days"][0]["edition"], &fixed["days"][0]["aqi"]),
        (&json!("HJ 633-2012"), &json!(100))
    );
    assert_eq!(counted(&state, "air").await, (2, 0), "each edition choice is its own result");
    let (status, body) = get(&state, &uri("&edition=HJ%20633-1996")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let water = format!("/api/v1/water/areas/RES?from={DAY}&to={DAY}&edition=HJ%20633-2012");
    assert_eq!(get(&state, &water).await.0, StatusCode::BAD_REQUEST);
}
