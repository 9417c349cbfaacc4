//! Scale-out: two `qingshan serve --role gateway` processes on one PostgreSQL
//! database. Devices send through one gateway, then re-send everything through
//! the other (as after reconnecting elsewhere, with answers lost), at the same
//! time: every reading is stored once, each re-sent one is counted once as a
//! duplicate, and the one evidence chain verifies.

use model::DataKind;
use simulator::client::{FleetControl, run_fleet};

use crate::util::{TestServer, load_plan, postgres_store};

#[test]
fn a_reading_resent_through_another_gateway_is_stored_once() {
    let Some(url) = postgres_store("a_reading_resent_through_another_gateway_is_stored_once")
    else {
        return;
    };
    const PACKETS_PER_DEVICE: usize = 40;
    let devices = simulator::fleet::fleet(6);
    let mut first = TestServer::with_store("", Some(&url)).role("gateway");
    let mut second = TestServer::with_store("", Some(&url)).role("gateway");
    first.register_fleet(&devices);
    first.start();
    second.start();

    let plan =
        load_plan(DataKind::Minute, "2026-10-02", chrono::Duration::minutes(1), PACKETS_PER_DEVICE);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (through_first, through_second) = runtime.block_on(async {
        let first_run =
            run_fleet(first.gateway, devices.clone(), plan.clone(), FleetControl::new());
        let second_run =
            run_fleet(second.gateway, devices.clone(), plan.clone(), FleetControl::new());
        tokio::join!(first_run, second_run)
    });
    let total = devices.len() * PACKETS_PER_DEVICE;
    assert_eq!(through_first.n_acked(), total, "every packet acknowledged by the first gateway");
    assert_eq!(through_second.n_acked(), total, "every packet acknowledged by the second gateway");

    let expected_values: usize =
        devices.iter().map(|device| device.params.len() * PACKETS_PER_DEVICE).sum();
    let store = first.open_any_store();
    assert_eq!(
        store.count_readings().unwrap() as usize,
        expected_values,
        "each reading stored once"
    );
    let stored = first.metric("qingshan_ingest_readings_total{kind=\"stored\"}")
        + second.metric("qingshan_ingest_readings_total{kind=\"stored\"}");
    let duplicates = first.metric("qingshan_ingest_readings_total{kind=\"duplicate\"}")
        + second.metric("qingshan_ingest_readings_total{kind=\"duplicate\"}");
    assert_eq!(stored as usize, expected_values, "stored counted once across both gateways");
    assert_eq!(
        duplicates as usize, expected_values,
        "every re-sent reading counted as a duplicate"
    );

    first.stop();
    second.stop();
    for check in store.verify_evidence().unwrap() {
        assert!(check.outcome.is_ok(), "{}: {:?}", check.table, check.outcome);
    }
    let raw = store.verify_evidence().unwrap()[0].n_intact;
    assert!(raw >= 2 * total as u64, "both gateways' packets are in the one chain: {raw}");
}

/// A worker shares no process with a gateway: PostgreSQL announces the
/// gateway's commits (`NOTIFY`), so the worker's alarm fast path judges the
/// new values at once, not at its next timed pass (set here to 10 minutes,
/// so only the announcement can raise the alarm within the test).
#[test]
fn a_worker_raises_the_alarm_of_a_gateways_commit_at_once() {
    let Some(url) = postgres_store("a_worker_raises_the_alarm_of_a_gateways_commit_at_once") else {
        return;
    };
    let device = simulator::fleet::fleet(20)
        .into_iter()
        .find(|device| device.kind == store::PointKind::FlueGas)
        .unwrap();
    let mut gateway = TestServer::with_store("", Some(&url)).role("gateway");
    let mut worker =
        TestServer::with_store("[alarms]\ninterval_secs = 600\n", Some(&url)).role("worker");
    gateway.register_fleet(std::slice::from_ref(&device));
    crate::alarms::set_tiny_so2_limit(&gateway);
    worker.start();
    gateway.start();
    let token = crate::accounts::create_token(&worker, "inspector");
    let list = || {
        let (status, body) = worker.http_get_as("/api/v1/alarms?rule=limit_crossing", Some(&token));
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap().as_array().unwrap().len()
    };
    // The worker's first passes ran at its start, before any data.
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(list(), 0, "no alarm before the data");

    let plan = load_plan(DataKind::Minute, "2026-03-02", chrono::Duration::minutes(1), 5);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let report =
        runtime.block_on(run_fleet(gateway.gateway, vec![device], plan, FleetControl::new()));
    assert_eq!(report.n_acked(), 5);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while list() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not judge the gateway's commit within 30 s"
        );
        // Polling a condition, not sleeping in place of one.
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    gateway.stop();
    worker.stop();
}
