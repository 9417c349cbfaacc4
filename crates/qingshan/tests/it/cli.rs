//! The command line as a user runs it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{TestServer, free_port};

const EXAMPLE_SEGMENT: &str = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";

/// Runs the binary with `args` and `stdin`; returns stdout, stderr and success.
pub(crate) fn qingshan(args: &[&str], stdin: &str) -> (String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading its input (a refused argument)
    // closes the pipe first: that is its answer, not a test failure.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing stdin: {error}");
    }
    let output = child.wait_with_output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.success(),
    )
}

#[test]
fn hj212_decode_prints_one_json_object_per_packet() {
    let good = format!("##0101{EXAMPLE_SEGMENT}1C80\r\n");
    let bad = format!("##0101{EXAMPLE_SEGMENT}1C81\r\n");
    // Two packets on one line (a capture), then one on its own line.
    let input = format!("{}{}\n{good}", good.trim_end(), bad.trim_end());
    let (stdout, stderr, ok) = qingshan(&["hj212", "decode"], &input);
    assert!(ok, "{stderr}");
    let lines: Vec<serde_json::Value> =
        stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["cn"], "1062");
    assert_eq!(lines[0]["mn"], "010000A8900016F000169DC0");
    assert_eq!(lines[0]["flag"], 5);
    assert_eq!(lines[0]["cp"]["RtdInterval"], 30);
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["reason"], "crc_mismatch");
    let error = lines[1]["error"].as_str().unwrap();
    assert!(
        error.contains("1C80") && error.contains("1C81"),
        "names expected and found CRC: {error}"
    );
    assert_eq!(lines[2]["ok"], true);
    assert!(stderr.contains("1 packet(s) not ok"), "{stderr}");
}

#[test]
fn hj212_crc_and_encode_reproduce_the_standards_example() {
    let (stdout, _, ok) = qingshan(&["hj212", "crc", EXAMPLE_SEGMENT], "");
    assert!(ok);
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["crc"], "1C80");
    assert_eq!(report["length"], "0101");
    let description = r#"{"qn":"20160801085857223","st":"32","cn":"1062","pw":"100000","mn":"010000A8900016F000169DC0","flag":5,"cp":{"RtdInterval":30}}"#;
    let (stdout, stderr, ok) = qingshan(&["hj212", "encode"], description);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, format!("##0101{EXAMPLE_SEGMENT}1C80\r\n"));
}

#[test]
fn device_add_registers_a_device_with_a_hashed_password() {
    let server = TestServer::new("");
    let config = server.config_path.to_str().unwrap().to_owned();
    let args = [
        "device",
        "add",
        "--config",
        &config,
        "--mn",
        "MN0001",
        "--point-code",
        "P1",
        "--point-name",
        "一号排口",
    ];
    let (stdout, stderr, ok) = qingshan(&args, "s3cret\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("MN0001"), "{stdout}");
    let store = server.open_store();
    let device =
        store::Store::device_by_mn(&store, &model::Mn::parse("MN0001").unwrap()).unwrap().unwrap();
    assert!(device.device.password_hash.starts_with("$argon2id$"), "stored hashed");
    assert!(!device.device.password_hash.contains("s3cret"));
    let (_, stderr, ok) = qingshan(&args, "");
    assert!(!ok && stderr.contains("no password"), "{stderr}");
}

#[test]
fn the_demo_shows_readings_of_the_sample_registry_points() {
    let directory = tempfile::tempdir().unwrap();
    let gateway = format!("127.0.0.1:{}", free_port());
    let web = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args([
            "demo",
            "--devices",
            "4",
            "--history-hours",
            "6",
            "--gateway",
            &gateway,
            "--web",
            &web,
            "--data-dir",
        ])
        .arg(directory.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut web_addr, mut token) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("HTTP:") {
            web_addr =
                Some(rest.trim().trim_start_matches("http://").trim_end_matches('/').to_owned());
        }
        if let Some(rest) = line.trim().strip_prefix("API token:") {
            token = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
    }
    let token = token.expect("the demo prints an API token");
    std::thread::spawn(move || for _ in lines {});
    let web_addr = web_addr.expect("the demo prints its HTTP address");
    let deadline = Instant::now() + Duration::from_secs(60);
    let body = loop {
        let body = http_get(
            &web_addr,
            "/api/v1/points/1/readings?kind=hour&from=2000-01-01T00:00:00Z",
            &token,
        );
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        if json["count"].as_u64().unwrap_or(0) >= 6 {
            break json;
        }
        assert!(Instant::now() < deadline, "no readings after 60 s: {body}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let points: serde_json::Value =
        serde_json::from_str(&http_get(&web_addr, "/api/v1/points", &token)).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(body["kind"], "hour");
    // The demo's points are the sample registry's sections, stations and outlets.
    let points = points.as_array().unwrap();
    assert!(points.len() > 60, "{} points", points.len());
    assert_eq!(points[0]["code"], "WTQ-MJ-01");
    assert!(
        points.iter().all(|point| point["name"].as_str().unwrap().contains("模拟")),
        "demo points are marked simulated"
    );
    assert!(body["readings"][0]["param"].as_str().is_some());
}

fn http_get(addr: &str, path: &str, token: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default()
}
