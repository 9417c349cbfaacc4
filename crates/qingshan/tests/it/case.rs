//! `qingshan correct` and `qingshan case export` on a store file: a correction
//! is a new version with its actor and reason, and the exported archive holds it.

use std::io::Read;
use std::process::{Command, Output};

use model::DataKind;
use store::conformance::fixture::{accepted_packet, at, point_and_device, reading};
use store::{IngestBatch, Store};

use crate::util::TestServer;

/// Runs `qingshan <args> --config <the server's>`; returns the exit code and stdout + stderr.
fn check(server: &TestServer, args: &[&str]) -> (Option<i32>, String) {
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(args)
        .arg("--config")
        .arg(&server.config_path)
        .output()
        .unwrap();
    (
        status.code(),
        format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr)),
    )
}

#[test]
fn a_cli_correction_is_versioned_and_exported_in_the_case_archive() {
    let server = TestServer::new("");
    {
        let store = server.open_store();
        let (point, device) = point_and_device(&store, "MN-CLI-CASE");
        let packet = accepted_packet(
            device,
            vec![reading(point, "a21026", DataKind::Hour, 0, 120.0)],
            60_000,
        );
        store
            .commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() })
            .unwrap();
    }
    let time = at(0).to_rfc3339();
    let reading_args =
        ["--point", "P-MN-CLI-CASE", "--kind", "hour", "--time", &time, "--param", "a21026"];

    let mut without_actor = vec!["correct"];
    without_actor.extend(reading_args);
    without_actor.extend(["--set", "Avg=12.5", "--reason", "标定"]);
    let (code, text) = check(&server, &without_actor);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("--actor is required"), "{text}");

    let mut bad_field = without_actor.clone();
    bad_field.extend(["--actor", "alice"]);
    let index = bad_field.iter().position(|arg| *arg == "Avg=12.5").unwrap();
    bad_field[index] = "Average=1";
    let (code, text) = check(&server, &bad_field);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("unknown reading field \"Average\""), "{text}");

    let mut correct = without_actor.clone();
    correct.extend(["--actor", "alice"]);
    let (code, text) = check(&server, &correct);
    assert_eq!(code, Some(0), "{text}");
    let version: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!((version["version"].as_u64(), version["actor"].as_str()), (Some(2), Some("alice")));

    // By MN, the versions: as received, then alice's.
    let mut history = vec!["correct", "--point", "MN-CLI-CASE", "--kind", "hour", "--time", &time];
    history.extend(["--param", "a21026", "--history"]);
    let (code, text) = check(&server, &history);
    assert_eq!(code, Some(0), "{text}");
    let versions: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(versions[0]["values"]["avg"], 120.0);
    assert_eq!(versions[1]["values"]["avg"], 12.5);
    assert_eq!(versions[1]["reason"], "标定");

    let out = server.dir.path().join("case.zip");
    let from = at(-60_000).to_rfc3339();
    let to = at(3_600_000).to_rfc3339();
    let (code, text) = check(
        &server,
        &[
            "case",
            "export",
            "--point",
            "MN-CLI-CASE",
            "--from",
            &from,
            "--to",
            &to,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("1 raw packets, 1 readings (1 corrected)"), "{text}");
    assert!(text.contains("evidence chain intact"), "{text}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut readings = String::new();
    archive.by_name("readings.csv").unwrap().read_to_string(&mut readings).unwrap();
    assert!(readings.lines().nth(1).unwrap().contains(",12.5,"), "{readings}");
    assert!(readings.contains("alice"), "{readings}");
    assert!(!server.dir.path().join("case.zip.partial").exists());

    let (code, text) = check(
        &server,
        &[
            "case",
            "export",
            "--point",
            "NOPE",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("no point has the code \"NOPE\""), "{text}");
    let store = server.open_store();
    let audit = store.audit_entries(10).unwrap();
    assert!(
        audit.iter().any(|entry| entry.action == "reading_corrected" && entry.actor == "alice")
    );
    assert!(audit.iter().any(|entry| entry.action == "case_exported" && entry.actor == "cli"));
}

/// A correction reaches the alarms like late data: an outlet's daily mean above
/// its limit opens an exceedance alarm; correcting four hours brings the mean
/// below it, and once the next packet is archived the full pass marks the
/// alarm as no longer holding (kept, not deleted).
#[test]
fn a_correction_re_evaluates_the_alarms_of_its_day() {
    use std::sync::Arc;

    use alarms::AlarmsConfig;
    use alarms::service::AlarmService;
    use alarms::site::SiteTable;
    use model::alarm::Rule;
    use model::{BeijingTime, ParamCode, Reading, ReadingKey, ReadingValues};
    use store::{AlarmQuery, AlarmStore, CorrectionStore, DerivedStore, NewCorrection, PointLimit};

    let hour = |h: i64| {
        let midnight = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(0, 0, 0);
        BeijingTime(midnight.unwrap() + chrono::Duration::hours(h)).to_instant()
    };
    let store = Arc::new(store::SqliteStore::open_in_memory().unwrap());
    let (point, device) = point_and_device(store.as_ref(), "MN-CORR-ALARM");
    let cod = |h: i64, value: f64| Reading {
        key: ReadingKey {
            point,
            param: ParamCode::parse("w01018").unwrap(),
            kind: DataKind::Hour,
            data_time: hour(h),
        },
        values: ReadingValues {
            avg: Some(value),
            flag: Some("N".to_owned()),
            ..ReadingValues::default()
        },
    };
    store
        .set_point_limit(&PointLimit {
            point,
            param: "w01018".to_owned(),
            limit: serde_json::json!({
                "pollutant": "w01018", "bound": { "max": "50" }, "unit": "mg/L",
                "averaging": "day", "conversion": "measured",
            }),
        })
        .unwrap();
    let send = |readings: Vec<Reading>| {
        let packet = accepted_packet(device, readings, 0);
        store
            .commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() })
            .unwrap();
    };
    send((0..24).map(|h| cod(h, 55.0)).collect());
    let clock = Arc::new(model::time::FixedClock(hour(25)));
    let service = AlarmService::new(
        store.clone(),
        clock,
        AlarmsConfig::default(),
        Arc::new(SiteTable::default()),
    );
    service.full_pass().unwrap();
    let query = AlarmQuery { rule: Some(Rule::Exceedance), ..AlarmQuery::default() };
    let alarm = store.alarms(&query).unwrap();
    assert_eq!(alarm.len(), 1, "24 h at 55 mg/L exceed the daily 50");
    assert!(alarm[0].still_holds);

    // Four hours corrected to 5: (20 × 55 + 4 × 5) / 24 ≈ 46.7, within the limit.
    for h in 0..4 {
        let corrected = cod(h, 5.0);
        let correction = NewCorrection {
            key: corrected.key,
            values: corrected.values,
            reason: "比对监测：仪表量程错误".to_owned(),
            base_version: None,
        };
        store.correct_reading(&correction, "analyst", hour(24)).unwrap();
    }
    service.full_pass().unwrap();
    assert!(store.alarm(alarm[0].id).unwrap().unwrap().still_holds, "not before the next packet");
    // The next packet (here the device's 25th hour) carries the corrections in.
    send(vec![cod(24, 40.0)]);
    service.full_pass().unwrap();
    let after = store.alarm(alarm[0].id).unwrap().unwrap();
    assert!(!after.still_holds, "{after:?}");
    let events: Vec<String> =
        store.alarm_history(after.id).unwrap().into_iter().map(|event| event.event).collect();
    assert_eq!(events, ["opened", "no_longer_holds"]);
}
