//! Derived results end to end: simulated devices send a day of hour data to a
//! real `qingshan serve`; the evaluator derives the station's daily AQI and the
//! section's water class, and the JSON API serves them.

use std::time::Duration;

use model::DataKind;
use simulator::client::{FleetControl, LoadPlan, run_fleet};

use crate::util::{TestServer, load_plan};

fn plan() -> LoadPlan {
    load_plan(DataKind::Hour, "2026-03-02", chrono::Duration::hours(1), 24)
}

/// Polls `path` until `ready` accepts its JSON body, within a bounded deadline.
fn poll(
    server: &TestServer,
    path: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let body: serde_json::Value = serde_json::from_str(&server.http_get(path)).unwrap();
        if ready(&body) {
            return body;
        }
        assert!(std::time::Instant::now() < deadline, "GET {path} never became ready: {body:#}");
        // Polling a condition (not sleeping in place of one); short.
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_simulated_day_of_hour_data_is_derived_and_served() {
    // Fleet index 0 is an air station and index 10 a water section.
    let fleet = simulator::fleet::fleet(11);
    let devices = vec![fleet[0].clone(), fleet[10].clone()];
    assert_eq!(devices[0].kind, store::PointKind::AirStation);
    assert_eq!(devices[1].kind, store::PointKind::SurfaceWater);
    // The helper writes these lines into [ingest]; a new section header starts [evaluation].
    let mut server = TestServer::new("[evaluation]\ninterval_secs = 1");
    server.register_fleet(&devices);
    server.start();

    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let report =
        runtime.block_on(run_fleet(server.gateway, devices.clone(), plan(), FleetControl::new()));
    assert_eq!(report.n_acked(), 2 * 24);

    let store = server.open_store();
    let point_of = |code: &str| {
        use store::Store;
        store.points().unwrap().into_iter().find(|point| point.point.code == code).unwrap().id
    };
    let station = point_of(&devices[0].point_code);
    let section = point_of(&devices[1].point_code);

    let body = poll(
        &server,
        &format!("/api/v1/air/stations/{station}/daily?from=2026-03-02&to=2026-03-02"),
        // The evaluator may have derived the day from the hours that had arrived by
        // then; it re-derives it as the rest arrive: wait for the day of all 24.
        |body| body["days"][0]["n_hours"] == 24,
    );
    assert_eq!(body["hour_label"], "period_start");
    assert_eq!(body["point"]["code"], devices[0].point_code);
    let day = &body["days"][0];
    assert_eq!(day["date"], "2026-03-02", "{body:#}");
    assert_eq!(day["edition"], "HJ 633-2026");
    assert!(day["aqi"].as_u64().is_some_and(|aqi| aqi > 0), "{day:#}");
    assert!(day["level"].as_u64().is_some_and(|level| (1..=6).contains(&level)));
    assert!(day["category"]["zh"].is_string());
    assert!(day["category"]["en"].is_string());
    assert!(day["primary"].is_array());
    // The simulator flags the odd hour (maintenance, calibration): at least 20 of 24 are valid.
    assert!(
        day["pollutants"]["PM2.5"]["validity"]["n_valid"].as_u64().is_some_and(|n| n >= 20),
        "{day:#}"
    );
    assert_eq!(day["n_hours"], 24);
    assert_eq!(day["pollutants"]["PM2.5"]["valid"], true);
    assert!(day["iaqi"]["PM2.5"].as_u64().is_some());
    assert_eq!(day["valid"], true, "all six pollutants were sent: {day:#}");

    let body = poll(
        &server,
        &format!(
            "/api/v1/air/stations/{station}/hourly?from=2026-03-01T16:00:00Z&to=2026-03-02T16:00:00Z"
        ),
        |body| body["hours"].as_array().is_some_and(|hours| hours.len() == 24),
    );
    assert_eq!(body["hours"][0]["hour"], "2026-03-02T00:00");
    assert_eq!(body["hours"][0]["hour_label"], "period_start");

    let body = poll(&server, "/api/v1/air/daily?date=2026-03-02", |body| {
        body["stations"].as_array().is_some_and(|stations| stations.len() == 1)
    });
    assert_eq!(body["stations"][0]["code"], devices[0].point_code);

    let body = poll(
        &server,
        &format!("/api/v1/water/sections/{section}/daily?from=2026-03-02&to=2026-03-02"),
        |body| body["days"][0]["n_samples"] == 24,
    );
    let day = &body["days"][0];
    assert_eq!(day["edition"], "GB 3838-2002");
    assert!(day["class"].is_string(), "{day:#}");
    assert_eq!(day["n_samples"], 24);
    let body =
        poll(&server, &format!("/api/v1/water/sections/{section}/monthly?year=2026"), |body| {
            body["months"].as_array().is_some_and(|months| months.len() == 1)
        });
    assert_eq!(body["months"][0]["month"], "2026-03");
    assert!(server.metric("qingshan_evaluation_watermark") >= 48.0, "every packet evaluated");
    assert!(server.metric("qingshan_evaluation_results_total") > 0.0);
    server.stop();
}
