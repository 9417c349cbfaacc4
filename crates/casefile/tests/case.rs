//! The case export on a real SQLite file: every file of the archive, and a
//! tampered archive reported as broken.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Read;

use casefile::{CaseRequest, Generated};
use model::alarm::{AlarmKey, Rule, Severity};
use model::{DataKind, ReadingValues};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::conformance::fixture::{accepted_packet, at, point_and_device, reading, refused_packet};
use store::{
    AlarmPass, AlarmStore, CorrectionStore, Finding, IngestBatch, NewCorrection, SqliteOptions,
    SqliteStore, Store,
};

const HOUR_MS: i64 = 3_600_000;

/// A store file with one point: three hour packets inside the period and one
/// before it, a refused packet from its MN, a correction, an alarm in the
/// period (acknowledged and closed) and one long before it.
struct Case {
    dir: tempfile::TempDir,
    store: SqliteStore,
    point: model::PointId,
    raw_ids: Vec<i64>,
}

fn case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("q.sqlite"), SqliteOptions::default()).unwrap();
    let (point, device) = point_and_device(&store, "MN-CASE-1");
    let (other, other_device) = point_and_device(&store, "MN-CASE-2");
    let mut packets: Vec<_> = (0..3)
        .map(|hour| {
            accepted_packet(
                device,
                vec![
                    reading(point, "a21026", DataKind::Hour, hour * HOUR_MS, 40.0 + hour as f64),
                    reading(point, "a21002", DataKind::Hour, hour * HOUR_MS, 90.0),
                ],
                hour * HOUR_MS + 60_000,
            )
        })
        .collect();
    packets.push(accepted_packet(
        device,
        vec![reading(point, "a21026", DataKind::Hour, -10 * HOUR_MS, 1.0)],
        -10 * HOUR_MS,
    ));
    packets.push(accepted_packet(
        other_device,
        vec![reading(other, "a21026", DataKind::Hour, 0, 7.0)],
        1_000,
    ));
    let mut refused = refused_packet(b"##0040QN=1;MN=MN-CASE-1;\xff\xfe&&0000\r\n", 2 * HOUR_MS);
    refused.raw.mn = Some("MN-CASE-1".to_owned());
    packets.push(refused);
    let report = store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    let raw_ids = report.packets.iter().map(|packet| packet.raw_id).collect();

    let corrected = reading(point, "a21026", DataKind::Hour, HOUR_MS, 0.0);
    store
        .correct_reading(
            &NewCorrection {
                key: corrected.key,
                values: ReadingValues {
                    avg: Some(14.0),
                    flag: Some("N".to_owned()),
                    ..ReadingValues::default()
                },
                reason: "比对监测：CEMS 零点漂移 | 见 2026-11 校准记录".to_owned(),
                base_version: None,
            },
            "analyst-li",
            at(5 * HOUR_MS),
        )
        .unwrap();

    let key = AlarmKey { point, rule: Rule::Exceedance, pollutant: "a21026".to_owned() };
    let finding = |window_ms: i64| Finding {
        key: key.clone(),
        severity: Severity::Warning,
        window_from: at(window_ms),
        window_to: at(window_ms + HOUR_MS),
        evidence: json!({ "value": 140.0 }),
        assignee: None,
    };
    let pass = |at_ms: i64, findings: &[Finding]| {
        store
            .record_alarm_pass(&AlarmPass {
                at: at(at_ms),
                actor: "system:alarms",
                findings,
                cleared: &[],
                channels: &[],
                watermark: None,
            })
            .unwrap()
    };
    let old = pass(-20 * HOUR_MS, &[finding(-21 * HOUR_MS)]).opened[0];
    store.acknowledge_alarm(old, "inspector-wang", at(-19 * HOUR_MS)).unwrap();
    store.close_alarm(old, "inspector-wang", at(-19 * HOUR_MS), "旧报警", None).unwrap();
    let id = pass(HOUR_MS + 10, &[finding(HOUR_MS)]).opened[0];
    store.acknowledge_alarm(id, "inspector-wang", at(2 * HOUR_MS)).unwrap();
    store.close_alarm(id, "inspector-wang", at(3 * HOUR_MS), "现场检查：已责令整改", None).unwrap();
    Case { dir, store, point, raw_ids }
}

/// Exports `[0, 3h)` of the case's point and returns the report and the files by name, in order.
fn check(case: &Case) -> (casefile::CaseReport, Vec<(String, Vec<u8>)>) {
    let mut bytes = Vec::new();
    let report = casefile::write_case(
        &case.store,
        &CaseRequest { point: case.point, from: at(0), to: at(3 * HOUR_MS) },
        &Generated { at: at(6 * HOUR_MS), by: "analyst-li".to_owned() },
        &mut bytes,
    )
    .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        // Stamped with the export's Beijing time, 2026-11-19 01:06:40 (at(6 h)).
        let modified = file.last_modified().unwrap();
        assert_eq!((modified.year(), modified.month(), modified.day()), (2026, 11, 19));
        assert_eq!((modified.hour(), modified.minute()), (1, 6), "{modified:?}");
        files.push((file.name().unwrap().to_string(), content));
    }
    (report, files)
}

fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            headers
                .iter()
                .zip(record.unwrap().iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files.iter().find(|(file, _)| file == name).unwrap().1
}

fn json_file(files: &[(String, Vec<u8>)], name: &str) -> Value {
    serde_json::from_slice(file(files, name)).unwrap()
}

#[test]
fn a_case_archive_holds_every_file_of_the_point_and_period() {
    let case = case();
    let (report, files) = check(&case);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "raw_packets.csv",
            "readings.csv",
            "corrections.json",
            "alarms.json",
            "chain.json",
            "case.json",
            "summary.md"
        ]
    );

    // Raw packets: the three in the period and the refused one, byte-exact text.
    let raw = csv_rows(file(&files, "raw_packets.csv"));
    let ids: Vec<i64> = raw.iter().map(|row| row["id"].parse().unwrap()).collect();
    assert_eq!(ids, [case.raw_ids[0], case.raw_ids[1], case.raw_ids[2], case.raw_ids[5]]);
    let stored =
        case.store.raw_packets(&store::RawQuery { limit: 100, ..Default::default() }).unwrap();
    let first = stored.iter().find(|record| record.id == case.raw_ids[0]).unwrap();
    assert_eq!(raw[0]["packet"].as_bytes(), first.raw.bytes.as_slice());
    assert_eq!(raw[0]["verdict"], "accepted");
    assert_eq!(raw[3]["verdict"], "refused");
    assert_eq!(raw[3]["reason"], "unknown_mn");
    assert_eq!(
        raw[3]["packet_hex_if_not_utf8"],
        hex(b"##0040QN=1;MN=MN-CASE-1;\xff\xfe&&0000\r\n")
    );

    // Values: 3 hours × 2 parameters, the corrected one marked, flags kept.
    let readings = csv_rows(file(&files, "readings.csv"));
    assert_eq!(readings.len(), 6);
    let so2: Vec<_> = readings.iter().filter(|row| row["param"] == "a21026").collect();
    assert_eq!(so2.iter().map(|row| row["Avg"].as_str()).collect::<Vec<_>>(), ["40", "14", "42"]);
    assert_eq!(so2[1]["version"], "2");
    assert_eq!(so2[1]["corrected_by"], "analyst-li");
    assert!(so2[1]["correction_reason"].contains("零点漂移"));
    assert_eq!((so2[0]["version"].as_str(), so2[0]["corrected_by"].as_str()), ("1", ""));
    assert!(readings.iter().all(|row| row["Flag"] == "N"));
    assert_eq!(so2[0]["data_time_beijing"], at(0).to_beijing().to_string());

    // Every version of the corrected value.
    let corrections = json_file(&files, "corrections.json");
    let versions = corrections[0]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0]["values"]["avg"].clone(), versions[1]["values"]["avg"].clone()),
        (json!(41.0), json!(14.0))
    );
    assert_eq!(versions[1]["actor"], "analyst-li");

    // The alarm of the period with its whole handling; the old one left out.
    let alarms = json_file(&files, "alarms.json");
    assert_eq!(alarms.as_array().unwrap().len(), 1);
    assert_eq!(alarms[0]["alarm"]["close_note"], "现场检查：已责令整改");
    let events: Vec<&str> = alarms[0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["opened", "acknowledged", "closed"]);

    // The chain, intact.
    let chain = json_file(&files, "chain.json");
    assert_eq!(chain["intact"], true);
    assert_eq!(chain["tables"][0]["table"], "raw_packet");
    assert_eq!(chain["tables"][0]["n_checked"], 6);

    // The manifest's digests are the files' digests.
    let manifest = json_file(&files, "case.json");
    assert_eq!(manifest["chain_intact"], true);
    assert_eq!(
        (manifest["n_raw_packets"].clone(), manifest["n_readings"].clone()),
        (json!(4), json!(6))
    );
    assert_eq!(
        (manifest["n_corrected"].clone(), manifest["n_alarms"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(manifest["generated_by"], "analyst-li");
    for entry in manifest["files"].as_array().unwrap() {
        let name = entry["name"].as_str().unwrap();
        assert_eq!(entry["sha256"], hex(&Sha256::digest(file(&files, name))), "{name}");
    }
    assert_eq!(manifest["files"].as_array().unwrap().len(), 5);
    assert_eq!(report.n_raw_packets, 4);
    let audit = case.store.audit_entries(1).unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("case_exported", "analyst-li")
    );
    assert_eq!(audit[0].detail["files"], manifest["files"]);

    // The summary, Chinese first, names the point, the chain, the correction and the alarm.
    let summary = String::from_utf8(file(&files, "summary.md").to_vec()).unwrap();
    assert!(summary.starts_with("# 执法案卷 / Enforcement case file"), "{summary}");
    assert!(summary.contains("P-MN-CASE-1"), "{summary}");
    assert!(summary.contains("哈希链完好"), "{summary}");
    assert!(!summary.contains("BROKEN"), "{summary}");
    assert!(summary.contains("零点漂移 \\| 见"), "a | in a reason is escaped: {summary}");
    assert!(summary.contains("现场检查：已责令整改"), "{summary}");
    assert!(
        summary.contains("| 原始报文 Raw packets: 4")
            || summary.contains("原始报文 Raw packets: 4"),
        "{summary}"
    );
}

#[test]
fn a_tampered_archive_is_reported_broken_in_the_export() {
    let case = case();
    let tampered_id = case.raw_ids[1];
    {
        let conn = rusqlite::Connection::open(case.dir.path().join("q.sqlite")).unwrap();
        conn.execute_batch("DROP TRIGGER raw_packet_no_update").unwrap();
        conn.execute(
            "UPDATE raw_packet SET bytes = CAST('##0000QN=forged' AS BLOB) WHERE id = ?1",
            [tampered_id],
        )
        .unwrap();
    }
    let (report, files) = check(&case);
    assert!(!report.chain_intact);
    let chain = json_file(&files, "chain.json");
    assert_eq!(chain["intact"], false);
    assert_eq!(chain["tables"][0]["intact"], false);
    assert_eq!(chain["tables"][0]["broken_id"], tampered_id);
    assert_eq!(chain["tables"][0]["reason"], "modified");
    assert_eq!(json_file(&files, "case.json")["chain_intact"], false);
    let summary = String::from_utf8(file(&files, "summary.md").to_vec()).unwrap();
    assert!(summary.contains("证据链校验未通过"), "{summary}");
    assert!(summary.contains(&format!("**已损坏 BROKEN** 于第 at row {tampered_id}")), "{summary}");
}

#[test]
fn an_unknown_point_or_empty_period_is_refused() {
    let case = case();
    let export = |point, from, to| {
        casefile::write_case(
            &case.store,
            &CaseRequest { point, from, to },
            &Generated { at: at(0), by: "x".to_owned() },
            Vec::new(),
        )
        .unwrap_err()
        .reason()
    };
    assert_eq!(export(model::PointId(999), at(0), at(1)), "unknown_point");
    assert_eq!(export(case.point, at(1), at(1)), "empty_period");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
