//! Indicator 11 through the plan API with the registry's emission totals: the
//! drill-down names the sample registry's outlets, counts the one that
//! reported in both years, and says why the others do not count.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveDate};
use model::{BeijingTime, DataKind, ParamCode, Reading, ReadingKey, ReadingValues};
use store::conformance::fixture::{accepted_packet, device};
use store::{IngestBatch, SqliteStore, Store};
use tower::ServiceExt;

/// Every Beijing hour of `year` for outlet `point`: COD with the device's `Cou` = `kg_per_hour`.
fn year_of_cou(point: model::PointId, year: i32, kg_per_hour: f64) -> Vec<Reading> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let mut readings = Vec::new();
    let mut hour = start;
    while hour < end {
        readings.push(Reading {
            key: ReadingKey {
                point,
                param: ParamCode::parse("w01018").unwrap(),
                kind: DataKind::Hour,
                data_time: BeijingTime(hour).to_instant(),
            },
            values: ReadingValues {
                avg: Some(40.0),
                cou: Some(kg_per_hour),
                flag: Some("N".to_owned()),
                ..ReadingValues::default()
            },
        });
        hour += Duration::hours(1);
    }
    readings
}

async fn check(year: i32) -> serde_json::Value {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let now = BeijingTime::parse_hj212("20260110080000").unwrap().to_instant();
    registry::import::import(store.as_ref(), &registry::sample::files(), "tests", now, true)
        .unwrap();
    let outlet = store.points().unwrap().into_iter().find(|p| p.point.code == "WTQ-E01-WW1");
    let point = outlet.unwrap().id;
    let device = store.upsert_device(&device("MN-EMISSION-TEST", point)).unwrap();
    for (year, kg) in [(2020, 10.0), (2022, 8.0)] {
        let packet = accepted_packet(device, year_of_cou(point, year, kg), 0);
        store
            .commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() })
            .unwrap();
    }
    let clock = Arc::new(model::time::FixedClock(now));
    let state = web::plan::PlanState {
        store: store.clone(),
        plan: Arc::new(plan::Plan::shipped().unwrap()),
        sites: Arc::new(plan::RegistrySites),
        emissions: Arc::new(web::RegistryEmissions::new(clock.clone())),
        clock,
    };
    let uri = format!("/api/v1/plan/indicators/11/years/{year}");
    let response = web::plan::routes(state)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn indicator_11_drills_down_to_the_registrys_outlets() {
    let result = check(2022).await;
    let drill = &result["drill_down"];
    assert_eq!(drill["kind"], "emissions", "{result:#}");
    assert_eq!(drill["baseline_year"], 2020);
    let outlets = drill["outlets"].as_array().unwrap();
    let counted: Vec<(&str, &str)> = outlets
        .iter()
        .filter(|o| o["counted"] == true)
        .map(|o| (o["outlet"].as_str().unwrap(), o["pollutant"].as_str().unwrap()))
        .collect();
    assert_eq!(counted, [("WTQ-E01-WW1", "w01018")]);
    let e01 = outlets.iter().find(|o| o["outlet"] == "WTQ-E01-WW1" && o["pollutant"] == "w01018");
    let e01 = e01.unwrap();
    assert_eq!(e01["baseline"]["n_hours"], 8784);
    assert_eq!(e01["year"]["amount_kg"], 8.0 * 8760.0);
    // Every other outlet with a COD, NH3-N or NOx limit is listed, without data.
    let e02 = outlets.iter().find(|o| o["outlet"] == "WTQ-E02-WW1" && o["pollutant"] == "w01018");
    assert_eq!(
        e02.unwrap()["excluded_because"]["en"],
        "baseline year covers less than 75% of its hours"
    );
    assert!(outlets.iter().any(|o| o["pollutant"] == "a21002"), "NOx outlets listed");

    let pollutants = drill["pollutants"].as_array().unwrap();
    let cod = pollutants.iter().find(|p| p["code"] == "w01018").unwrap();
    // Annual totals: 10 kg × 8784 h (2020, a leap year) against 8 kg × 8760 h.
    let expected = (87_840.0 - 70_080.0) / 87_840.0 * 100.0;
    assert!((cod["reduction_percent"].as_f64().unwrap() - expected).abs() < 1e-9, "{cod}");
    // NH3-N and NOx outlets reported nothing: the COD figure is shown, not judged.
    assert_eq!(result["status"], "no_data");
    assert_eq!(result["reason"], "insufficient_data");
    let provisional = &result["provisional"];
    let shown = provisional["number"].as_f64().or(provisional.as_f64()).unwrap();
    assert!((shown - expected).abs() < 1e-9, "{provisional}");
}
