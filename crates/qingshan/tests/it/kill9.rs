//! SIGKILL the server while devices are sending; restart; every acknowledged
//! reading is in the store, none twice. Against the embedded SQLite store and,
//! when a server is given, PostgreSQL.

use std::sync::atomic::Ordering;
use std::time::Duration;

use model::DataKind;
use simulator::client::{FleetControl, LoadPlan, run_fleet};
use store::ReadingQuery;

use crate::util::{TestServer, load_plan, postgres_store};

const N_DEVICES: usize = 12;
const PACKETS_PER_DEVICE: usize = 150;

fn plan() -> LoadPlan {
    LoadPlan {
        seed: 9,
        ..load_plan(
            DataKind::Minute,
            "2026-10-01",
            chrono::Duration::minutes(1),
            PACKETS_PER_DEVICE,
        )
    }
}

#[test]
fn acknowledged_readings_survive_kill9_exactly_once() {
    check_kill9(None);
}

#[test]
fn acknowledged_readings_survive_kill9_exactly_once_on_postgres() {
    let Some(url) = postgres_store("acknowledged_readings_survive_kill9_exactly_once_on_postgres")
    else {
        return;
    };
    check_kill9(Some(&url));
}

/// The kill -9 scenario with the store at `store_url` (a SQLite file if `None`).
fn check_kill9(store_url: Option<&str>) {
    let devices = simulator::fleet::fleet(N_DEVICES);
    let mut server = TestServer::with_store("", store_url);
    server.register_fleet(&devices);
    server.start();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let control = FleetControl::new();
    let fleet = runtime.spawn(run_fleet(server.gateway, devices.clone(), plan(), control.clone()));

    // Kill the server once a third of the packets are acknowledged, while devices keep sending.
    let total = N_DEVICES * PACKETS_PER_DEVICE;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while control.n_acked.load(Ordering::Relaxed) < total / 3 {
        assert!(std::time::Instant::now() < deadline, "devices made no progress");
        // Polling a condition (not sleeping in place of one); short, to leave the cores to the server.
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill9();
    let n_acked_at_kill = control.n_acked.load(Ordering::Relaxed);
    server.start();
    let report = runtime.block_on(fleet).unwrap();
    server.stop();

    assert!(n_acked_at_kill < total, "the kill came after the run had finished");
    assert_eq!(report.n_acked(), total, "every packet was eventually acknowledged");
    let store = server.open_any_store();
    let expected_values: usize =
        devices.iter().map(|device| device.params.len() * PACKETS_PER_DEVICE).sum();
    assert_eq!(
        store.count_readings().unwrap() as usize,
        expected_values,
        "each reading stored exactly once"
    );
    // Every device's every minute is there.
    for device in &devices {
        let from = model::BeijingTime(plan().data_time(0)).to_instant();
        let to = model::BeijingTime(plan().data_time(PACKETS_PER_DEVICE)).to_instant();
        let point = store
            .device_by_mn(&model::Mn::parse(&device.mn).unwrap())
            .unwrap()
            .unwrap()
            .device
            .point;
        let readings = store
            .readings(&ReadingQuery {
                point,
                kind: DataKind::Minute,
                params: vec![],
                from,
                to,
                limit: 1_000_000,
            })
            .unwrap();
        assert_eq!(
            readings.len(),
            device.params.len() * PACKETS_PER_DEVICE,
            "device {}",
            device.mn
        );
    }
}
