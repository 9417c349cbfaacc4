//! `qingshan verify` over a store filled by a real server and simulated devices:
//! intact → exit 0; after editing a byte of the file → exit 1, naming table and row.

use std::path::PathBuf;
use std::process::{Command, Output};

use model::DataKind;
use simulator::client::{FleetControl, LoadPlan, run_fleet};
use store::{RawQuery, Store};

use crate::util::{TestServer, load_plan};

fn plan() -> LoadPlan {
    LoadPlan {
        // Some malformed packets, archived with their verdict.
        bad_packet_ratio: 0.2,
        ..load_plan(DataKind::Minute, "2026-10-01", chrono::Duration::minutes(1), 10)
    }
}

/// Runs `qingshan verify` (with `extra` arguments) on the server's config.
fn check(server: &TestServer, extra: &[&str]) -> (Option<i32>, String) {
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["verify", "--config"])
        .arg(&server.config_path)
        .args(extra)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
    (status.code(), text)
}

#[test]
fn verify_passes_then_names_the_tampered_row() {
    let devices = simulator::fleet::fleet(3);
    let mut server = TestServer::new("");
    server.register_fleet(&devices);
    server.start();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let report =
        runtime.block_on(run_fleet(server.gateway, devices.clone(), plan(), FleetControl::new()));
    server.stop();
    assert_eq!(report.n_acked(), 30);
    let n_raw = server.open_store().verify_evidence().unwrap()[0].n_intact;
    assert!(n_raw >= 30, "{n_raw} raw packets");

    let (code, text) = check(&server, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("raw_packet: {n_raw} records checked, OK")), "{text}");
    assert!(text.contains("audit: "), "{text}");

    // An attacker with file access edits one byte of packet 5 in place, below SQL.
    let store = server.open_store();
    let raw = store.raw_packets(&RawQuery { mn: None, verdict: None, limit: 1_000 }).unwrap();
    drop(store);
    let target = raw.iter().find(|record| record.id == 5).unwrap().raw.bytes.clone();
    let mut n_edited = 0;
    for suffix in ["", "-wal"] {
        let path = PathBuf::from(format!("{}{suffix}", server.store_path().display()));
        let Ok(mut file) = std::fs::read(&path) else { continue };
        let mut at = 0;
        while let Some(found) = file[at..].windows(target.len()).position(|window| window == target)
        {
            // The byte after "##": a digit of the data length, changed to another digit.
            let index = at + found + 2;
            file[index] = if file[index] == b'9' { b'8' } else { b'9' };
            at += found + target.len();
            n_edited += 1;
        }
        std::fs::write(&path, file).unwrap();
    }
    assert!(n_edited > 0, "packet 5 not found in the file");
    let (code, text) = check(&server, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("raw_packet: BROKEN at row 5 (modified)"), "{text}");
    assert!(text.contains("4 records intact before it"), "{text}");

    let (code, text) = check(&server, &["--json"]);
    assert_eq!(code, Some(1), "{text}");
    let json: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(json["intact"], false);
    assert_eq!(json["tables"][0]["table"], "raw_packet");
    assert_eq!(json["tables"][0]["broken_id"], 5);
    assert_eq!(json["tables"][0]["reason"], "modified");
}
