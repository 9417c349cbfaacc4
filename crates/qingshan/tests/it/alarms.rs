//! Alarms end to end: a real `qingshan serve` with a webhook channel; a
//! simulated outlet whose values cross its limit raises one alarm, delivered
//! to a local receiver, listed by the API, and closed through it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use model::DataKind;
use simulator::client::{FleetControl, run_fleet};
use store::PointLimit;

use crate::util::{TestServer, load_plan};

/// POSTs a JSON body to the server; returns the status line and the body.
fn http_post(server: &TestServer, token: &str, path: &str, body: &str) -> (String, String) {
    let mut stream = TcpStream::connect(server.web).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[test]
fn a_limit_crossing_is_stored_notified_and_handled_through_the_api() {
    check_limit_crossing(None);
}

/// Gives the server's only point an SO2 limit of 0.001 mg/m³, which every
/// simulated flue-gas value crosses.
pub(crate) fn set_tiny_so2_limit(server: &TestServer) {
    let store = server.open_any_store();
    let point = store.points().unwrap()[0].id;
    store
        .set_point_limit(&PointLimit {
            point,
            param: "a21026".to_owned(),
            limit: serde_json::json!({
                "pollutant": "SO2", "bound": { "max": "0.001" }, "unit": "mg/m3",
                "averaging": "hour", "conversion": "measured",
            }),
        })
        .unwrap();
}

/// The limit-crossing case on the store at `store_url` (a SQLite file if `None`).
pub(crate) fn check_limit_crossing(store_url: Option<&str>) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let receiver = runtime
        .block_on(alarms::receiver::Receiver::start(
            vec![503, 200],
            Arc::new(model::SystemClock),
            None,
        ))
        .unwrap();
    let device = simulator::fleet::fleet(20)
        .into_iter()
        .find(|device| device.kind == store::PointKind::FlueGas)
        .unwrap();
    // The helper writes these lines into [ingest]; new section headers start [alarms].
    let extra = format!(
        "[alarms.notify]\nfirst_retry_secs = 1\n[[alarms.channels]]\nname = \"hook\"\nkind = \"generic\"\nurl = \"{}\"\n",
        receiver.url
    );
    let mut server = TestServer::with_store(&extra, store_url);
    server.register_fleet(std::slice::from_ref(&device));
    set_tiny_so2_limit(&server);
    server.start();
    let plan = load_plan(DataKind::Minute, "2026-03-02", chrono::Duration::minutes(1), 5);
    let report =
        runtime.block_on(run_fleet(server.gateway, vec![device], plan, FleetControl::new()));
    assert_eq!(report.n_acked(), 5);

    // The first attempt gets 503; the retry a second later is delivered.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while receiver.requests().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "webhook never delivered: {:?}",
            receiver.requests()
        );
        // Polling a condition, not sleeping in place of one.
        std::thread::sleep(Duration::from_millis(50));
    }
    let delivered: serde_json::Value = serde_json::from_str(&receiver.requests()[1].body).unwrap();
    assert_eq!(delivered["event"], "opened");
    assert_eq!(delivered["alarm"]["key"]["rule"], "limit_crossing");
    assert!(delivered["text_zh"].as_str().unwrap().contains("实时值超限"), "{delivered}");

    let token = crate::accounts::create_token(&server, "inspector");
    let (status, body) = server.http_get_as("/api/v1/alarms?rule=limit_crossing", Some(&token));
    assert_eq!(status, 200, "{body}");
    let alarms: serde_json::Value = serde_json::from_str(&body).unwrap();
    let alarms = alarms.as_array().unwrap();
    assert_eq!(alarms.len(), 1, "one open alarm per point, rule and pollutant: {alarms:?}");
    assert!(alarms[0]["n_occurrences"].as_u64().unwrap() >= 1);
    let id = alarms[0]["id"].as_i64().unwrap();
    let (status, _) =
        http_post(&server, &token, &format!("/api/v1/alarms/{id}/close"), r#"{"note":""}"#);
    assert!(status.contains("400"), "{status}");
    let (status, body) = http_post(
        &server,
        &token,
        &format!("/api/v1/alarms/{id}/close"),
        r#"{"note":"已核实，企业已整改"}"#,
    );
    assert!(status.contains("200"), "{status} {body}");
    let (_, body) = server.http_get_as(&format!("/api/v1/alarms/{id}"), Some(&token));
    let detail: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["alarm"]["state"], "closed");
    assert!(
        detail["alarm"]["closed_by"].as_str().unwrap().starts_with("token:"),
        "the acting token is recorded: {detail}"
    );
    assert!(server.metric("qingshan_alarms_opened_total") >= 1.0);
    assert_eq!(server.metric("qingshan_alarms_notifications_total{outcome=\"retry\"}"), 1.0);
    server.stop();
}

/// `[alarms.notify] ca_file` (issue #4): a file that holds no certificate
/// stops `serve` with the file named, rather than running with less trust
/// than configured.
#[test]
fn serve_refuses_a_ca_file_without_certificates() {
    let server = TestServer::new("");
    let ca_file = server.dir.path().join("bureau-ca.pem");
    std::fs::write(&ca_file, "not a certificate\n").unwrap();
    let mut config = std::fs::read_to_string(&server.config_path).unwrap();
    config.push_str(&format!("[alarms.notify]\nca_file = \"{}\"\n", ca_file.display()));
    std::fs::write(&server.config_path, config).unwrap();
    let (_, stderr, ok) =
        crate::cli::qingshan(&["serve", "--config", server.config_path.to_str().unwrap()], "");
    assert!(!ok);
    assert!(stderr.contains("ca_file") && stderr.contains("no PEM certificate"), "{stderr}");
}
