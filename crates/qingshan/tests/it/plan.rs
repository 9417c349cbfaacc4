//! `qingshan plan show|report` and the served plan API, end to end.

use std::process::Command;

use store::{NewPlanDocument, NewPlanValue};

use crate::util::TestServer;

/// Runs `qingshan` with `args`; returns stdout, stderr and success.
fn qingshan(args: &[&str]) -> (String, String, bool) {
    let output = Command::new(env!("CARGO_BIN_EXE_qingshan")).args(args).output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.success(),
    )
}

fn enter_forest_cover(server: &TestServer) {
    let store = server.open_any_store();
    store
        .enter_plan_value(
            &NewPlanValue {
                plan: "wutongqiao-2021-2025".to_owned(),
                indicator: "9".to_owned(),
                year: 2022,
                value: 37.2,
                note: "林业统计".to_owned(),
                document: Some(NewPlanDocument {
                    file_name: "forest.pdf".to_owned(),
                    media_type: "application/pdf".to_owned(),
                    bytes: b"%PDF forest".to_vec(),
                }),
            },
            "tester",
            model::Instant::from_unix_millis(1_767_000_000_000).unwrap(),
        )
        .unwrap();
}

#[test]
fn plan_show_and_report_cover_every_indicator() {
    let server = TestServer::new("");
    enter_forest_cover(&server);
    let config = server.config_path.to_str().unwrap().to_owned();
    let (stdout, stderr, ok) = qingshan(&["plan", "show", "--year", "2022", "--config", &config]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("2022年中期评估"), "{stdout}");
    let forest = stdout.lines().find(|line| line.contains("森林覆盖率")).unwrap();
    assert!(forest.contains("值 37.2") && forest.contains("已达标"), "{forest}");
    // 23 indicator lines (21 numbers, 16 in three parts), a title and a summary.
    assert_eq!(stdout.lines().count(), 25, "{stdout}");

    for (format, magic) in [("html", &b"<!DOCTYPE html>"[..]), ("xlsx", &b"PK"[..])] {
        let output = server.dir.path().join(format!("report.{format}"));
        let (_, stderr, ok) = qingshan(&[
            "plan",
            "report",
            "--year",
            "2025",
            "--format",
            format,
            "--output",
            output.to_str().unwrap(),
            "--config",
            &config,
        ]);
        assert!(ok, "{stderr}");
        assert!(stderr.contains("23 indicators"), "{stderr}");
        let bytes = std::fs::read(&output).unwrap();
        assert!(bytes.starts_with(magic), "{format}");
    }

    // Another plan file: its errors name the file, the indicator and the field.
    let bad = server.dir.path().join("bad-plan.toml");
    std::fs::write(&bad, plan::SHIPPED_PLAN.replacen("id = \"21\"", "id = \"20\"", 1)).unwrap();
    let (_, stderr, ok) = qingshan(&[
        "plan",
        "show",
        "--year",
        "2022",
        "--config",
        &config,
        "--plan-file",
        bad.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("bad-plan.toml") && stderr.contains("indicator 20: id: appears twice"),
        "{stderr}"
    );
}

#[test]
fn the_server_serves_the_plan_api() {
    check_plan_api(None);
}

/// The served plan API on the store at `store_url` (a SQLite file if `None`).
pub(crate) fn check_plan_api(store_url: Option<&str>) {
    let mut server = TestServer::with_store("", store_url);
    enter_forest_cover(&server);
    server.start();
    let body = server.http_get("/api/v1/plan/indicators/9/years/2022");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "met");
    let report = server.http_get("/api/v1/plan/reports/2022");
    assert!(report.contains("id=\"indicator-16c\""));
    server.stop();
}
