//! `qingshan migrate --from sqlite://FILE --to postgres://…`: an embedded store
//! filled by a real server moves to PostgreSQL without loss, and a server on the
//! new store continues the same evidence chains.

use std::process::Command;

use model::DataKind;
use model::account::{Role, UserName};
use model::alarm::{AlarmKey, Rule, Severity};
use simulator::client::{FleetControl, LoadPlan, run_fleet};
use store::conformance::fixture::{at, audit_entry};
use store::conformance::registry_fixture::{active, limit, outlet_setup, permit};
use store::{
    AccountStore, AlarmPass, AlarmQuery, AlarmStore, Attachment, ChangedBy, Delivery, DerivedKind,
    DerivedResult, DerivedStore, Finding, IngestBatch, NewApiToken, NewCityTarget, NewCorrection,
    NewPlanDocument, NewPlanValue, NewSession, NewUser, PointLimit, RawQuery, RegistryKind, Store,
};

use crate::util::{TestServer, load_plan, postgres_store};

const PLAN: &str = "wutongqiao-2021-2025";

/// Fills the registry, plan, alarm and account tables the way the services
/// do: registry records with a permit limit, a corrected plan value and a city
/// target with documents, a corrected reading, an alarm that occurred twice, was closed with an
/// attachment and notified, a user with a session and a revoked API token.
fn fill_services(store: &dyn Store, point: model::PointId) {
    let mut registry = outlet_setup();
    registry.push(active(permit("91511112MA00000001P", "2030-12-31")));
    registry.push(active(limit("91511112MA00000001P", "FG-1", "35")));
    store.apply_registry(&registry, "analyst", at(0)).unwrap();
    let document = |name: &str| NewPlanDocument {
        file_name: name.to_owned(),
        media_type: "application/pdf".to_owned(),
        bytes: format!("%PDF {name}").into_bytes(),
    };
    for (value, note) in [(31.5, "初报"), (30.9, "更正")] {
        let entry = NewPlanValue {
            plan: PLAN.to_owned(),
            indicator: "2".to_owned(),
            year: 2025,
            value,
            note: note.to_owned(),
            document: Some(document("统计公报.pdf")),
        };
        store.enter_plan_value(&entry, "analyst", at(1_000)).unwrap();
    }
    let target = NewCityTarget {
        plan: PLAN.to_owned(),
        indicator: "11".to_owned(),
        value: 12.0,
        note: "市下达".to_owned(),
        document: document("目标函.pdf"),
    };
    store.set_city_target(&target, "analyst", at(2_000)).unwrap();
    let channels = vec!["webhook".to_owned()];
    for window_ms in [0, 3_600_000] {
        let finding = Finding {
            key: AlarmKey { point, rule: Rule::Exceedance, pollutant: "a21026".to_owned() },
            severity: Severity::Warning,
            window_from: at(window_ms),
            window_to: at(window_ms + 3_600_000),
            evidence: serde_json::json!({ "value": 412.5 }),
            assignee: Some("网格员".to_owned()),
        };
        let pass = AlarmPass {
            at: at(window_ms + 3_700_000),
            actor: "system:alarms",
            findings: std::slice::from_ref(&finding),
            cleared: &[],
            channels: &channels,
            watermark: Some(("alarms", 3)),
        };
        store.record_alarm_pass(&pass).unwrap();
    }
    let alarm = store.alarms(&AlarmQuery::default()).unwrap()[0].id;
    store.acknowledge_alarm(alarm, "inspector", at(8_000_000)).unwrap();
    let photo = Attachment {
        name: "现场.jpg".to_owned(),
        media_type: "image/jpeg".to_owned(),
        bytes: vec![0xff, 0xd8, 0xff, 0x00, 0x42],
    };
    store.close_alarm(alarm, "inspector", at(9_000_000), "已整改", Some(&photo)).unwrap();
    let notification = store.notifications(None, 10).unwrap()[0].id;
    store.record_deliveries(at(9_100_000), &[(notification, Delivery::Delivered)]).unwrap();
    let by = ChangedBy { actor: "admin".to_owned(), at: at(10_000_000) };
    let user = store
        .create_user(
            &NewUser {
                name: UserName::parse("zhang.san").unwrap(),
                role: Role::Inspector,
                enterprise: None,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            },
            &by,
        )
        .unwrap();
    store
        .start_session(&NewSession {
            token_hash: "5e55".repeat(16),
            user,
            csrf_token: "csrf".to_owned(),
            created_at: at(10_000_000),
            // Far ahead: the session is still live when the test reads it back.
            expires_at: model::Instant::from_unix_millis(4_000_000_000_000).unwrap(),
            peer: "127.0.0.1".to_owned(),
        })
        .unwrap();
    // A correction of the point's first hour reading (a new version; the received one stays).
    let first = store
        .readings(&store::ReadingQuery {
            point,
            kind: DataKind::Hour,
            params: Vec::new(),
            from: model::Instant::from_unix_millis(0).unwrap(),
            to: model::Instant::from_unix_millis(4_000_000_000_000).unwrap(),
            limit: 1,
        })
        .unwrap()
        .remove(0);
    let mut values = first.values.clone();
    values.avg = Some(1.5);
    let correction = NewCorrection {
        key: first.key,
        values,
        reason: "仪器校准后更正".to_owned(),
        base_version: None,
    };
    store.correct_reading(&correction, "analyst", at(11_000_000)).unwrap();
    for name in ["report-bot", "old-bot"] {
        let token = NewApiToken {
            name: name.to_owned(),
            token_hash: format!("{name}-hash"),
            role: Role::Analyst,
            enterprise: None,
        };
        let id = store.create_api_token(&token, &by).unwrap();
        if name == "old-bot" {
            store.revoke_api_token(id, &by).unwrap();
        }
    }
}

/// Everything the registry, plan, alarm and account services read back, as text.
fn services_view(store: &dyn Store) -> String {
    let mut view = String::new();
    for kind in [RegistryKind::Town, RegistryKind::Enterprise, RegistryKind::Outlet] {
        view += &format!("{:?}\n", store.registry_records(kind).unwrap());
    }
    view += &format!("{:?}\n", store.registry_records(RegistryKind::Permit).unwrap());
    view += &format!("{:?}\n", store.registry_records(RegistryKind::Limit).unwrap());
    view += &format!("{:?}\n", store.plan_value_history(PLAN, "2", 2025).unwrap());
    view += &format!("{:?}\n", store.city_target_history(PLAN, "11").unwrap());
    for value in store.plan_value_history(PLAN, "2", 2025).unwrap() {
        let document = value.document.expect("both versions have a document");
        view += &format!("{:?}\n", store.plan_document(document.id).unwrap());
    }
    for alarm in store.alarms(&AlarmQuery::default()).unwrap() {
        view += &format!("{alarm:?}\n{:?}\n", store.alarm_history(alarm.id).unwrap());
        view += &format!("{:?}\n", store.alarm_attachment(alarm.id).unwrap());
    }
    view += &format!("{:?}\n", store.notifications(None, 100).unwrap());
    view += &format!("{:?}\n", store.users().unwrap());
    view += &format!("{:?}\n", store.session(&"5e55".repeat(16), at(10_000_001)).unwrap());
    view += &format!("{:?}\n", store.api_tokens().unwrap());
    let corrected = store
        .marked_readings(&store::ReadingQuery {
            point: store.points().unwrap()[0].id,
            kind: DataKind::Hour,
            params: Vec::new(),
            from: model::Instant::from_unix_millis(0).unwrap(),
            to: model::Instant::from_unix_millis(4_000_000_000_000).unwrap(),
            limit: 1,
        })
        .unwrap();
    view += &format!("{corrected:?}\n{:?}\n", store.reading_history(&corrected[0].reading.key));
    view += &format!("{:?}\n", store.audit_entries(10_000).unwrap());
    view
}

fn plan(first_day: &str) -> LoadPlan {
    LoadPlan {
        // Some malformed packets too: archived evidence without readings.
        bad_packet_ratio: 0.2,
        ..load_plan(DataKind::Hour, first_day, chrono::Duration::hours(1), 30)
    }
}

#[test]
fn an_embedded_store_moves_to_postgres_without_loss() {
    let Some(url) = postgres_store("an_embedded_store_moves_to_postgres_without_loss") else {
        return;
    };
    let devices = simulator::fleet::fleet(4);
    let mut server = TestServer::new("");
    server.register_fleet(&devices);
    server.start();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Two months, so both partitioned tables get several partitions.
    for first_day in ["2026-09-30", "2026-10-31"] {
        let report = runtime.block_on(run_fleet(
            server.gateway,
            devices.clone(),
            plan(first_day),
            FleetControl::new(),
        ));
        assert_eq!(report.n_acked(), 4 * 30);
    }
    server.stop();
    let source = server.open_store();
    let point = source.points().unwrap()[0].id;
    source
        .commit_batch(&IngestBatch {
            audit: vec![audit_entry(0, "device_created"), audit_entry(1, "device_refused")],
            ..IngestBatch::default()
        })
        .unwrap();
    let limit = PointLimit {
        point,
        param: "a21026".to_owned(),
        limit: serde_json::json!({"unit": "mg/m3"}),
    };
    source.set_point_limit(&limit).unwrap();
    let result = DerivedResult {
        kind: DerivedKind::AirDaily,
        point,
        start: model::Instant::from_unix_millis(1_790_000_000_000).unwrap(),
        period: "2026-09-22".to_owned(),
        edition: "HJ 633-2026".to_owned(),
        detail: serde_json::json!({"aqi": 42}),
        computed_at: model::Instant::from_unix_millis(1_790_000_100_000).unwrap(),
    };
    source.commit_derived(std::slice::from_ref(&result), "evaluation", 17).unwrap();
    fill_services(&source, point);
    let source_services = services_view(&source);
    let source_services_alarm_id = source.alarms(&AlarmQuery::default()).unwrap()[0].id;
    let all_raw = RawQuery { limit: 1_000_000, ..RawQuery::default() };
    let source_raw = source.raw_packets(&all_raw).unwrap();
    let source_heads: Vec<_> =
        source.verify_evidence().unwrap().into_iter().map(|check| check.outcome.unwrap()).collect();
    drop(source);

    let output = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["migrate", "--from", &format!("sqlite://{}", server.store_path().display())])
        .args(["--to", &url])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("migrated without loss"), "{text}");

    let target = store::PgStore::open(&url, store::PgOptions::default()).unwrap();
    assert_eq!(
        target.raw_packets(&all_raw).unwrap(),
        source_raw,
        "every raw packet, byte for byte"
    );
    let target_heads: Vec<_> =
        target.verify_evidence().unwrap().into_iter().map(|check| check.outcome.unwrap()).collect();
    assert_eq!(target_heads, source_heads, "the same chains, verified on the target");
    assert_eq!(target.point_limits(point).unwrap(), vec![limit]);
    assert_eq!(target.watermark("evaluation").unwrap(), 17);
    assert_eq!(
        services_view(&target),
        source_services,
        "registry, plan, alarms with history and outbox, accounts and audit, unchanged"
    );
    for table in ["registry_record", "plan_value", "alarm", "alarm_event", "notification"] {
        let line = text.lines().find(|line| line.starts_with(table)).unwrap_or_default();
        assert!(!line.contains("MISMATCH") && !line.contains(" 0 "), "{table}: {line:?}\n{text}");
    }
    assert_eq!(
        target
            .derived(&store::DerivedQuery {
                kind: DerivedKind::AirDaily,
                point: None,
                from: result.start,
                to: result.computed_at,
                limit: 10
            })
            .unwrap(),
        vec![result]
    );

    // A second migrate into the same database is refused: it is no longer empty.
    let again = Command::new(env!("CARGO_BIN_EXE_qingshan"))
        .args(["migrate", "--from", &format!("sqlite://{}", server.store_path().display())])
        .args(["--to", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());

    // A server on the new store continues the chains and the ids.
    let mut moved = TestServer::with_store("", Some(&url));
    moved.start();
    let report = runtime.block_on(run_fleet(
        moved.gateway,
        devices.clone(),
        plan("2026-12-01"),
        FleetControl::new(),
    ));
    assert_eq!(report.n_acked(), 4 * 30);
    moved.stop();
    let newest = target.raw_packets(&RawQuery { limit: 1, ..RawQuery::default() }).unwrap();
    assert!(newest[0].id > source_raw[0].id, "ids continue after the copied ones");
    // The copied identities continue too: new users, alarms and documents get new ids.
    let by = ChangedBy { actor: "admin".to_owned(), at: at(20_000_000) };
    let user = NewUser {
        name: UserName::parse("li.si").unwrap(),
        role: Role::Analyst,
        enterprise: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
    };
    target.create_user(&user, &by).unwrap();
    assert_eq!(target.users().unwrap().len(), 2);
    let finding = Finding {
        key: AlarmKey { point, rule: Rule::Exceedance, pollutant: "a21026".to_owned() },
        severity: Severity::Critical,
        window_from: at(30_000_000),
        window_to: at(33_600_000),
        evidence: serde_json::json!({ "value": 999.0 }),
        assignee: None,
    };
    let pass = AlarmPass {
        at: at(34_000_000),
        actor: "system:alarms",
        findings: std::slice::from_ref(&finding),
        cleared: &[],
        channels: &["webhook".to_owned()],
        watermark: None,
    };
    // (The server on the new store ran the alarm service too, which opened alarms of its own.)
    let copied_alarm = source_services_alarm_id;
    let opened = target.record_alarm_pass(&pass).unwrap().opened;
    assert_eq!(opened.len(), 1, "a new episode opens a new alarm");
    assert!(opened[0] > copied_alarm, "alarm ids continue after the copied ones");
    assert_eq!(target.alarm(opened[0]).unwrap().unwrap().key.point, point);
    for check in target.verify_evidence().unwrap() {
        assert!(check.outcome.is_ok(), "{}: {:?}", check.table, check.outcome);
    }
}
