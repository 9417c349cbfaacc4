//! The evaluator on a real SQLite file with hand-made hour readings.

// Test helpers may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use evaluation::{EvaluationConfig, Evaluator, PassReport};
use model::registry::{Boundary, RecordStatus, SectionLevel, WaterBodyKind, WaterTarget};
use model::time::FixedClock;
use model::{
    BeijingTime, DataKind, Instant, ParamCode, PointId, Reading, ReadingKey, ReadingValues,
};
use serde_json::{Value, json};
use store::{
    DerivedKind, DerivedQuery, DerivedResult, DerivedStore, IncomingPacket, IngestBatch, NewPoint,
    PointKind, RawPacket, RegistryChange, RegistryEntity, RegistryStore, Section, SqliteOptions,
    SqliteStore, Store, Town, Verdict, WaterBody,
};

/// A store file with one point, and an evaluator over it.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Arc<SqliteStore>,
    point: PointId,
    evaluator: Evaluator,
}

fn open(path: &Path) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(path, SqliteOptions::default()).unwrap())
}

fn evaluator(store: &Arc<SqliteStore>) -> Evaluator {
    let now = BeijingTime(date("2026-11-29").and_hms_opt(12, 0, 0).unwrap()).to_instant();
    Evaluator::new(store.clone(), Arc::new(FixedClock(now)), EvaluationConfig::default())
}

fn fixture(kind: PointKind) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qingshan.sqlite");
    let store = open(&path);
    let point = store
        .upsert_point(&NewPoint {
            code: "WTQ-P-1".to_owned(),
            name: "测试点位".to_owned(),
            kind,
            enterprise: None,
            simulated: false,
        })
        .unwrap();
    let evaluator = evaluator(&store);
    Fixture { _dir: dir, path, store, point, evaluator }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The start of hour `hour` (Beijing) of `day`, as HJ 212 hour data labels it.
fn hour(day: &str, hour: u32) -> Instant {
    BeijingTime(date(day).and_hms_opt(hour, 0, 0).unwrap()).to_instant()
}

fn reading(point: PointId, code: &str, at: Instant, value: f64) -> Reading {
    Reading {
        key: ReadingKey {
            point,
            param: ParamCode::parse(code).unwrap(),
            kind: DataKind::Hour,
            data_time: at,
        },
        values: ReadingValues {
            avg: Some(value),
            flag: Some("N".to_owned()),
            ..Default::default()
        },
    }
}

fn packet(readings: Vec<Reading>) -> IncomingPacket {
    IncomingPacket {
        raw: RawPacket {
            bytes:
                b"##0101QN=20260302000000000;ST=22;CN=2061;PW=123456;MN=M;Flag=5;CP=&&&&0000\r\n"
                    .to_vec(),
            received_at: Instant::from_unix_millis(1_772_000_000_000).unwrap(),
            peer: "10.0.0.7:50312".to_owned(),
            mn: Some("M".to_owned()),
            device: None,
            cn: Some(2061),
            verdict: Verdict::Accepted,
            deviations: vec![],
        },
        readings,
    }
}

impl Fixture {
    /// Stores one packet per hour of `hours` of `day`, each with `code` = `value`.
    fn send_hours(&self, code: &str, day: &str, hours: impl IntoIterator<Item = u32>, value: f64) {
        let packets = hours
            .into_iter()
            .map(|h| packet(vec![reading(self.point, code, hour(day, h), value)]))
            .collect();
        self.store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    }

    fn pass(&self) -> PassReport {
        self.evaluator.pass().unwrap()
    }

    fn results(&self, kind: DerivedKind) -> Vec<DerivedResult> {
        self.store
            .derived(&DerivedQuery {
                kind,
                point: Some(self.point),
                from: Instant::from_unix_millis(0).unwrap(),
                to: Instant::from_unix_millis(4_000_000_000_000).unwrap(),
                limit: 10_000,
            })
            .unwrap()
    }

    /// The one daily result of `kind` for the period labelled `period`.
    fn one(&self, kind: DerivedKind, period: &str) -> DerivedResult {
        let matching: Vec<DerivedResult> =
            self.results(kind).into_iter().filter(|result| result.period == period).collect();
        assert_eq!(matching.len(), 1, "{kind:?} {period}: {matching:#?}");
        matching.into_iter().next().unwrap()
    }
}

/// Checks a station day of PM2.5 hours only: AQI, edition and primary pollutant.
fn check_pm25_day(day: &str, value: f64, aqi: u64, iaqi: u64, edition: &str, primary: &[&str]) {
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", day, 0..24, value);
    let report = f.pass();
    assert_eq!(report.n_readings, 24);
    let result = f.one(DerivedKind::AirDaily, day);
    let detail = &result.detail;
    assert_eq!(detail["aqi"], aqi, "{detail:#}");
    assert_eq!(detail["iaqi"]["PM2.5"], iaqi);
    assert_eq!(detail["edition"], edition);
    assert_eq!(result.edition, edition);
    assert_eq!(detail["primary"], Value::from(primary.to_vec()));
    assert_eq!(detail["pollutants"]["PM2.5"]["valid"], true);
    assert_eq!(detail["pollutants"]["PM2.5"]["value"], value);
    assert_eq!(detail["pollutants"]["PM2.5"]["validity"]["n_valid"], 24);
    assert_eq!(detail["hour_label"], "period_start");
    assert_eq!(detail["date"], day);
    // One hourly result per stored hour, and none for the empty next day.
    let hours: Vec<DerivedResult> = f
        .results(DerivedKind::AirHourly)
        .into_iter()
        .filter(|result| result.period.starts_with(day))
        .collect();
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[0].period, format!("{day}T00:00"));
    assert_eq!(hours[0].start, hour(day, 0));
    assert_eq!(hours[0].detail["hour_label"], "period_start");
    assert_eq!(hours[0].detail["hour_end"], format!("{day}T01:00"));
    assert_eq!(f.results(DerivedKind::AirDaily).len(), 1);
}

#[test]
fn pm25_75_under_hj633_2026_gives_114() {
    check_pm25_day("2026-03-02", 75.0, 114, 114, "HJ 633-2026", &["PM2.5"]);
}

#[test]
fn pm25_75_under_hj633_2012_gives_100() {
    check_pm25_day("2025-06-01", 75.0, 100, 100, "HJ 633-2012", &["PM2.5"]);
}

#[test]
fn nineteen_hours_is_an_invalid_day() {
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-02", 0..19, 75.0);
    f.pass();
    let detail = f.one(DerivedKind::AirDaily, "2026-03-02").detail;
    let pm25 = &detail["pollutants"]["PM2.5"];
    assert_eq!(pm25["valid"], false, "{detail:#}");
    assert_eq!(pm25["value"], Value::Null);
    assert_eq!(pm25["validity"]["n_valid"], 19);
    assert_eq!(pm25["validity"]["n_required"], 20);
    assert_eq!(detail["aqi"], Value::Null);
    assert_eq!(detail["valid"], false);
}

#[test]
fn a_late_hour_changes_its_day() {
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-02", 0..19, 75.0);
    f.pass();
    let before = f.one(DerivedKind::AirDaily, "2026-03-02");
    assert_eq!(before.detail["aqi"], Value::Null);
    // The 20th hour arrives late, after the day was evaluated.
    f.send_hours("a34004", "2026-03-02", [21], 75.0);
    let report = f.pass();
    assert_eq!(report.n_readings, 1);
    let after = f.one(DerivedKind::AirDaily, "2026-03-02");
    assert_eq!(after.detail["aqi"], 114, "{:#}", after.detail);
    assert_eq!(after.detail["pollutants"]["PM2.5"]["validity"]["n_valid"], 20);
    assert_eq!(f.results(DerivedKind::AirDaily).len(), 1, "replaced, not duplicated");
}

#[test]
fn a_late_evening_hour_recomputes_the_next_day_too() {
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-03", 0..24, 75.0);
    f.pass();
    let hourly_before = f.one(DerivedKind::AirHourly, "2026-03-03T00:00");
    // 2026 real-time AQI uses the 1 h value: PM2.5 75 → IAQI 114 either way,
    // but the hour row of the next day is recomputed (its computed_at is rewritten).
    f.send_hours("a34004", "2026-03-02", [23], 75.0);
    let report = f.pass();
    // Day 2 and its 1 hour, day 3 and its 24 hours.
    assert_eq!(report.n_results, 1 + 1 + 1 + 24, "{report:?}");
    assert_eq!(f.one(DerivedKind::AirHourly, "2026-03-03T00:00").detail, hourly_before.detail);
    assert_eq!(f.results(DerivedKind::AirDaily).len(), 2);
}

#[test]
fn re_sending_a_packet_changes_nothing() {
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-02", 0..24, 75.0);
    f.pass();
    let daily = f.results(DerivedKind::AirDaily);
    let hourly = f.results(DerivedKind::AirHourly);
    // History re-sent: all readings are duplicates, nothing new is stored.
    f.send_hours("a34004", "2026-03-02", 0..24, 80.0);
    let report = f.pass();
    assert_eq!(report.n_readings, 0);
    assert_eq!(report.n_results, 0);
    assert_eq!(f.results(DerivedKind::AirDaily), daily);
    assert_eq!(f.results(DerivedKind::AirHourly), hourly);
}

#[test]
fn a_new_evaluator_continues_from_the_watermark() {
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-02", 0..12, 75.0);
    let first = f.pass();
    assert_eq!(first.n_readings, 12);
    assert_eq!(f.store.watermark(evaluation::WATERMARK).unwrap(), first.watermark);
    let path = f.path.clone();
    let point = f.point;
    let Fixture { _dir, store, .. } = f;
    drop(store);

    // "Restart": a new store handle and evaluator on the same file.
    let store = open(&path);
    let f = Fixture { _dir, path, point, evaluator: evaluator(&store), store };
    assert_eq!(f.pass().n_readings, 0, "nothing new since the watermark");
    f.send_hours("a34004", "2026-03-02", 12..24, 75.0);
    let second = f.pass();
    assert_eq!(second.n_readings, 12, "only what came after the watermark");
    assert!(second.watermark > first.watermark);
    let day = f.one(DerivedKind::AirDaily, "2026-03-02");
    assert_eq!(day.detail["aqi"], 114);
    assert_eq!(f.results(DerivedKind::AirHourly).len(), 24);
}

#[test]
fn a_backlog_is_worked_off_in_bounded_passes() {
    let f = fixture(PointKind::AirStation);
    let evaluator = Evaluator::new(
        f.store.clone(),
        Arc::new(FixedClock(hour("2026-11-29", 12))),
        EvaluationConfig { max_packets_per_pass: 10, ..EvaluationConfig::default() },
    );
    f.send_hours("a34004", "2026-03-02", 0..24, 75.0);
    let mut n_passes = 0;
    loop {
        n_passes += 1;
        if !evaluator.pass().unwrap().more {
            break;
        }
    }
    assert_eq!(n_passes, 3);
    assert_eq!(f.one(DerivedKind::AirDaily, "2026-03-02").detail["aqi"], 114);
}

#[test]
fn flagged_hours_are_missing() {
    let f = fixture(PointKind::AirStation);
    let mut packets = Vec::new();
    for h in 0..24 {
        let mut reading = reading(f.point, "a34004", hour("2026-03-02", h), 75.0);
        if h < 5 {
            reading.values.flag = Some("M".to_owned()); // maintenance
        }
        packets.push(packet(vec![reading]));
    }
    f.store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    f.pass();
    let detail = f.one(DerivedKind::AirDaily, "2026-03-02").detail;
    assert_eq!(detail["pollutants"]["PM2.5"]["validity"]["n_valid"], 19);
    assert_eq!(detail["aqi"], Value::Null);
}

#[test]
fn all_six_pollutants_give_a_valid_day() {
    let f = fixture(PointKind::AirStation);
    let day = "2026-03-02";
    let mut packets = Vec::new();
    for h in 0..24 {
        let at = hour(day, h);
        packets.push(packet(vec![
            reading(f.point, "a21026", at, 10.0),
            reading(f.point, "a21004", at, 30.0),
            reading(f.point, "a21005", at, 0.8),
            reading(f.point, "a05024", at, 60.0),
            reading(f.point, "a34002", at, 50.0),
            reading(f.point, "a34004", at, 20.0),
        ]));
    }
    f.store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    f.pass();
    let detail = f.one(DerivedKind::AirDaily, day).detail;
    assert_eq!(detail["valid"], true, "{detail:#}");
    assert_eq!(detail["missing"], Value::from(Vec::<String>::new()));
    assert_eq!(detail["pollutants"]["CO"]["unit"], "mg/m³");
    assert_eq!(detail["pollutants"]["CO"]["value"], 0.8);
    assert_eq!(detail["pollutants"]["O3_8h"]["value"], 60.0);
    assert_eq!(detail["level"], 1);
    assert_eq!(detail["category"]["zh"], "优");
    assert_eq!(detail["primary"], Value::from(Vec::<String>::new()), "AQI ≤ 50 has no primary");
}

// ---- Water ----

#[test]
fn water_tp_at_the_class_iii_limit_is_class_iii() {
    let f = fixture(PointKind::SurfaceWater);
    f.send_hours("w21011", "2026-03-02", 0..24, 0.2);
    f.pass();
    let day = f.one(DerivedKind::WaterDaily, "2026-03-02");
    assert_eq!(day.edition, "GB 3838-2002");
    assert_eq!(day.detail["class"], "III", "{:#}", day.detail);
    assert_eq!(day.detail["class_zh"], "Ⅲ类");
    assert_eq!(day.detail["deciding_items"], Value::from(vec!["TP"]));
    assert_eq!(day.detail["n_samples"], 24);
    let month = f.one(DerivedKind::WaterMonthly, "2026-03");
    assert_eq!(month.detail["class"], "III");
    assert_eq!(month.start, hour("2026-03-01", 0));
}

/// [`check_section_with_target`] for a section with target III.
fn check_section_day(kind: WaterBodyKind, drinking_source: bool, code: &str, value: f64) -> Value {
    check_section_with_target(kind, drinking_source, WaterTarget::III, code, value)
}

/// A store with one registry section with `target` on a water body of
/// `kind`, optionally a drinking-water source, whose point gets 24 hours of
/// `code` = `value` on 2026-03-02; returns that day's derived detail after one pass.
fn check_section_with_target(
    kind: WaterBodyKind,
    drinking_source: bool,
    target: WaterTarget,
    code: &str,
    value: f64,
) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("qingshan.sqlite"));
    let active = |entity| RegistryChange { entity, status: RecordStatus::Active, sample: false };
    let changes = [
        active(RegistryEntity::Town(Town {
            code: "511112100".to_owned(),
            name: "竹根镇".to_owned(),
            district: "五通桥区".to_owned(),
        })),
        active(RegistryEntity::WaterBody(WaterBody {
            code: "BODY".to_owned(),
            name: "示例水体".to_owned(),
            kind,
        })),
        active(RegistryEntity::Section(Section {
            code: "WTQ-S-1".to_owned(),
            name: "示例断面".to_owned(),
            water_body: "BODY".to_owned(),
            town: "511112100".to_owned(),
            level: SectionLevel::Provincial,
            target,
            longitude: 103.82,
            latitude: 29.41,
            drinking_source,
            boundary: Boundary::No,
            order: 1,
        })),
    ];
    store.apply_registry(&changes, "tester", hour("2026-03-01", 0)).unwrap();
    let point = store.points().unwrap().into_iter().find(|p| p.point.code == "WTQ-S-1").unwrap().id;
    let packets =
        (0..24).map(|h| packet(vec![reading(point, code, hour("2026-03-02", h), value)])).collect();
    store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    evaluator(&store).pass().unwrap();
    let days = store
        .derived(&DerivedQuery {
            kind: DerivedKind::WaterDaily,
            point: Some(point),
            from: hour("2026-03-01", 0),
            to: hour("2026-03-04", 0),
            limit: 10,
        })
        .unwrap();
    assert_eq!(days.len(), 1, "{days:#?}");
    days.into_iter().next().unwrap().detail
}

#[test]
fn reservoir_tp_is_judged_on_the_lake_limits() {
    // GB 3838-2002 table 1 item 8: TP 0.04 mg/L is class II on a river
    // (0.02 < 0.04 ≤ 0.1) and class III on a lake or reservoir (0.025 < 0.04 ≤ 0.05).
    let reservoir = check_section_day(WaterBodyKind::Reservoir, false, "w21011", 0.04);
    assert_eq!(reservoir["class"], "III", "{reservoir:#}");
    assert_eq!(reservoir["deciding_items"], Value::from(vec!["TP"]));
    assert_eq!(reservoir["water_body"], "reservoir");
    assert_eq!(reservoir["water_body_from_registry"], true);
    let lake = check_section_day(WaterBodyKind::Lake, false, "w21011", 0.04);
    assert_eq!(lake["class"], "III", "{lake:#}");
    let river = check_section_day(WaterBodyKind::River, false, "w21011", 0.04);
    assert_eq!(river["class"], "II", "{river:#}");
    assert_eq!(river["water_body"], "river");
}

#[test]
fn lake_tn_has_a_class_and_river_tn_has_none() {
    // TN 1.2 mg/L: class IV on a lake (1.0 < 1.2 ≤ 1.5, table 1 item 9), a
    // reference item that does not decide the class (2011 method §5.1); a
    // river has no TN classes.
    let lake = check_section_day(WaterBodyKind::Lake, false, "w21001", 1.2);
    assert_eq!(lake["items"][0]["item"], "TN", "{lake:#}");
    assert_eq!(lake["items"][0]["class"], "IV");
    assert_eq!(lake["items"][0]["assessed"], false);
    let river = check_section_day(WaterBodyKind::River, false, "w21001", 1.2);
    assert_eq!(river["items"][0]["class"], Value::Null, "{river:#}");
}

#[test]
fn a_section_unknown_to_the_registry_is_judged_as_a_river_and_says_so() {
    let f = fixture(PointKind::SurfaceWater);
    f.send_hours("w21011", "2026-03-02", 0..24, 0.04);
    f.pass();
    let day = f.one(DerivedKind::WaterDaily, "2026-03-02");
    assert_eq!(day.detail["class"], "II", "{:#}", day.detail);
    assert_eq!(day.detail["water_body"], "river");
    assert_eq!(day.detail["water_body_from_registry"], false);
}

#[test]
fn a_drinking_water_source_is_checked_against_the_supplementary_items() {
    // Sulfate (table 2) limit 250 mg/L: 300 fails it.
    let source = check_section_day(WaterBodyKind::Reservoir, true, "w21038", 300.0);
    let check = &source["drinking_source_check"];
    assert_eq!(check["meets"], false, "{source:#}");
    assert_eq!(check["supplementary"][0]["item"], "SO4");
    assert_eq!(check["supplementary"][0]["meets"], false);
    let within = check_section_day(WaterBodyKind::Reservoir, true, "w21038", 200.0);
    assert_eq!(within["drinking_source_check"]["supplementary"][0]["meets"], true, "{within:#}");
    let other = check_section_day(WaterBodyKind::Reservoir, false, "w21038", 300.0);
    assert_eq!(other["drinking_source"], false);
    assert!(other.get("drinking_source_check").is_none(), "{other:#}");
}

#[test]
fn a_drinking_water_source_is_judged_against_its_own_target_class() {
    // NH3-N 0.8 mg/L is class III (0.5 < 0.8 ≤ 1.0, GB 3838-2002 table 1 item 7).
    let river = WaterBodyKind::River;
    // A class-1 protection zone (target II) fails, naming the item.
    let zone_1 = check_section_with_target(river, true, WaterTarget::II, "w21003", 0.8);
    assert_eq!(zone_1["class"], "III", "{zone_1:#}");
    assert_eq!((&zone_1["target"], &zone_1["target_zh"]), (&json!("II"), &json!("Ⅱ类")));
    assert_eq!(zone_1["meets_target"], false);
    assert_eq!(zone_1["items_over_target"], json!(["NH3-N"]));
    let check = &zone_1["drinking_source_check"];
    assert_eq!((&check["target"], &check["meets"]), (&json!("II"), &json!(false)), "{check:#}");
    assert_eq!(check["table_1_meets"], false);
    assert_eq!(check["items_over_target"], json!(["NH3-N"]));
    // The same sample passes in a class-2 protection zone (target III).
    let zone_2 = check_section_with_target(river, true, WaterTarget::III, "w21003", 0.8);
    assert_eq!((&zone_2["meets_target"], &zone_2["items_over_target"]), (&json!(true), &json!([])));
    let check = &zone_2["drinking_source_check"];
    assert_eq!((&check["target"], &check["meets"]), (&json!("III"), &json!(true)), "{check:#}");
    // A drinking-water source is never checked against a class more lenient than III.
    let lenient = check_section_with_target(river, true, WaterTarget::IV, "w21003", 1.2);
    assert_eq!(lenient["meets_target"], true, "class IV meets target IV: {lenient:#}");
    assert_eq!(lenient["drinking_source_check"]["target"], "III");
    assert_eq!(lenient["drinking_source_check"]["meets"], false);
    // Any section is judged against its target; only sources get the drinking check.
    let section = check_section_with_target(river, false, WaterTarget::II, "w21003", 0.8);
    assert_eq!(
        (&section["meets_target"], &section["drinking_source"]),
        (&json!(false), &json!(false))
    );
    assert!(section.get("drinking_source_check").is_none(), "{section:#}");
}

#[test]
fn a_section_unknown_to_the_registry_has_no_target() {
    let f = fixture(PointKind::SurfaceWater);
    f.send_hours("w21003", "2026-03-02", 0..24, 0.8);
    f.pass();
    let day = f.one(DerivedKind::WaterDaily, "2026-03-02");
    assert_eq!((&day.detail["target"], &day.detail["meets_target"]), (&Value::Null, &Value::Null));
}

#[test]
fn water_month_uses_every_sample_of_the_month() {
    let f = fixture(PointKind::SurfaceWater);
    // Day 1 class II for NH3-N (0.5), day 2 class IV (1.5): month mean 1.0 → class III.
    f.send_hours("w21003", "2026-03-01", 0..24, 0.5);
    f.pass();
    assert_eq!(f.one(DerivedKind::WaterMonthly, "2026-03").detail["class"], "II");
    f.send_hours("w21003", "2026-03-02", 0..24, 1.5);
    f.pass();
    assert_eq!(f.one(DerivedKind::WaterDaily, "2026-03-01").detail["class"], "II");
    assert_eq!(f.one(DerivedKind::WaterDaily, "2026-03-02").detail["class"], "IV");
    let month = f.one(DerivedKind::WaterMonthly, "2026-03");
    assert_eq!(month.detail["class"], "III", "{:#}", month.detail);
    assert_eq!(month.detail["n_samples"], 48);
}

#[test]
fn a_late_water_sample_re_derives_its_day_and_month() {
    let f = fixture(PointKind::SurfaceWater);
    f.send_hours("w21003", "2026-03-01", (0..24).filter(|h| *h != 5), 0.5);
    f.pass();
    assert_eq!(f.one(DerivedKind::WaterDaily, "2026-03-01").detail["n_samples"], 23);
    // The 05:00 sample arrives late: NH3-N mean (23 × 0.5 + 12.5) / 24 = 1.0 → class III.
    f.send_hours("w21003", "2026-03-01", [5], 12.5);
    f.pass();
    let day = f.one(DerivedKind::WaterDaily, "2026-03-01");
    assert_eq!((&day.detail["class"], &day.detail["n_samples"]), (&json!("III"), &json!(24)));
    assert_eq!(f.one(DerivedKind::WaterMonthly, "2026-03").detail["class"], "III");
    // Re-sent history changes nothing.
    f.send_hours("w21003", "2026-03-01", [5], 0.1);
    assert_eq!(f.pass().n_readings, 0);
    assert_eq!(f.one(DerivedKind::WaterDaily, "2026-03-01").detail["class"], "III");
}

#[test]
fn other_points_derive_nothing() {
    let f = fixture(PointKind::FlueGas);
    f.send_hours("a34004", "2026-03-02", 0..24, 75.0);
    let report = f.pass();
    assert_eq!(report.n_results, 0);
    assert!(report.watermark > 0, "the watermark still moves on");
    assert_eq!(f.results(DerivedKind::AirDaily), vec![]);
}

#[test]
fn hours_are_labelled_by_their_start() {
    // An HJ 212 hour stamped 00:00 is the first hour of its day, not the last of the previous one.
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-02", [0], 75.0);
    f.pass();
    let days = f.results(DerivedKind::AirDaily);
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].period, "2026-03-02");
    assert_eq!(days[0].start, hour("2026-03-02", 0));
}

// ---- Outlets ----

#[test]
fn outlet_hours_above_the_converted_limit_exceed() {
    let f = fixture(PointKind::FlueGas);
    f.store
        .set_point_limit(&store::PointLimit {
            point: f.point,
            param: "a21026".to_owned(),
            limit: serde_json::json!({
                "pollutant": "SO2",
                "bound": { "max": "200" },
                "unit": "mg/m3",
                "averaging": "hour",
                "conversion": { "reference_oxygen": { "reference_o2_pct": "9", "air_o2_pct": "21" } },
            }),
        })
        .unwrap();
    let day = "2026-03-02";
    let mut packets = Vec::new();
    for h in 0..24 {
        // At 08:00 and 09:00: 150 × (21 − 9) / (21 − 13) = 225 > 200.
        let (so2, o2) = if h == 8 || h == 9 { (150.0, 13.0) } else { (100.0, 9.0) };
        packets.push(packet(vec![
            reading(f.point, "a21026", hour(day, h), so2),
            reading(f.point, "a19001", hour(day, h), o2),
        ]));
    }
    f.store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    f.pass();
    let daily = f.one(DerivedKind::OutletDaily, day).detail;
    assert_eq!(daily["exceeds"], true, "{daily:#}");
    assert_eq!(daily["n_exceeding_hours"], 2);
    let so2 = &daily["params"]["a21026"];
    assert_eq!(so2["n_valid"], 24);
    assert_eq!(so2["n_exceeding"], 2);
    assert_eq!(so2["episodes"].as_array().unwrap().len(), 1);
    assert_eq!(so2["episodes"][0]["hours"], 2);
    let hour8 = f.one(DerivedKind::OutletHourly, "2026-03-02T08:00").detail;
    assert_eq!(hour8["exceeds"], true, "{hour8:#}");
    assert_eq!(hour8["hour_label"], "period_start");
    assert_eq!(hour8["params"]["a21026"]["exceeds"], true);
    let hour10 = f.one(DerivedKind::OutletHourly, "2026-03-02T10:00").detail;
    assert_eq!(hour10["exceeds"], false);
    assert_eq!(f.results(DerivedKind::OutletHourly).len(), 24);
}

#[test]
fn passes_are_counted() {
    let f = fixture(PointKind::AirStation);
    let mut registry = prometheus_client::registry::Registry::default();
    let metrics = evaluation::Metrics::register(&mut registry);
    let evaluator = evaluator(&f.store).with_metrics(metrics.clone());
    evaluator.pass().unwrap();
    assert_eq!(metrics.n_passes("idle", "none"), 1);
    f.send_hours("a34004", "2026-03-02", 0..24, 75.0);
    evaluator.pass().unwrap();
    assert_eq!(metrics.n_passes("committed", "none"), 1);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert!(text.contains("qingshan_evaluation_results_total 25"), "{text}");
    assert!(text.contains("qingshan_evaluation_watermark 24"), "{text}");
}

/// A daily COD limit of 50 mg/L on the fixture's point.
fn set_daily_cod_limit(f: &Fixture) {
    f.store
        .set_point_limit(&store::PointLimit {
            point: f.point,
            param: "w01018".to_owned(),
            limit: serde_json::json!({
                "pollutant": "COD",
                "bound": { "max": "50" },
                "unit": "mg/L",
                "averaging": "day",
                "conversion": "measured",
            }),
        })
        .unwrap();
}

#[test]
fn wastewater_daily_limits_are_judged_on_the_daily_mean() {
    let f = fixture(PointKind::Wastewater);
    set_daily_cod_limit(&f);
    // Hours of 40 with six hours of 90: mean (18·40 + 6·90) / 24 = 52.5 > 50,
    // although most single hours are below the limit.
    let day = "2026-03-02";
    let packets = (0..24)
        .map(|h| {
            let value = if h < 6 { 90.0 } else { 40.0 };
            packet(vec![reading(f.point, "w01018", hour(day, h), value)])
        })
        .collect();
    f.store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    f.pass();
    let daily = f.one(DerivedKind::OutletDaily, day).detail;
    let cod = &daily["params"]["w01018"];
    assert_eq!(cod["valid"], true, "{daily:#}");
    assert_eq!(cod["source"], "hour_means");
    assert_eq!(cod["n_valid_hours"], 24);
    assert_eq!(cod["exceeds"], true);
    assert_eq!(daily["exceeds"], true);
    assert_eq!(daily["n_exceeding_hours"], 0, "no hourly limit");
}

#[test]
fn a_corrected_hour_re_derives_its_day_with_the_next_packet() {
    use store::{CorrectionStore, NewCorrection};
    let f = fixture(PointKind::AirStation);
    f.send_hours("a34004", "2026-03-02", 0..24, 75.0);
    f.pass();
    assert_eq!(f.one(DerivedKind::AirDaily, "2026-03-02").detail["aqi"], 114);
    let corrected = reading(f.point, "a34004", hour("2026-03-02", 5), 315.0);
    f.store
        .correct_reading(
            &NewCorrection {
                key: corrected.key,
                values: corrected.values,
                reason: "人工复核: 采样管路堵塞后恢复".to_owned(),
                base_version: None,
            },
            "analyst",
            hour("2026-03-03", 9),
        )
        .unwrap();
    // Nothing is judged before the archive moves past the correction.
    assert_eq!(f.pass().n_results, 0);
    // Any packet (here a re-sent one, which stores no reading) carries it in.
    f.send_hours("a34004", "2026-03-02", [0], 75.0);
    f.pass();
    let day = f.one(DerivedKind::AirDaily, "2026-03-02").detail;
    // (23 × 75 + 315) / 24 = 85 µg/m³.
    assert_eq!(day["pollutants"]["PM2.5"]["value"], 85.0, "{day:#}");
    assert_ne!(day["aqi"], 114);
    let hour5 = f.one(DerivedKind::AirHourly, "2026-03-02T05:00").detail;
    assert_ne!(hour5, f.one(DerivedKind::AirHourly, "2026-03-02T04:00").detail);
}

#[test]
fn an_outlets_day_data_is_judged_against_its_daily_limit() {
    let f = fixture(PointKind::Wastewater);
    set_daily_cod_limit(&f);
    // A device that sends only day data (CN 2031, DataTime the start of the day).
    let day_value = |day: &str, value: f64| {
        let mut day_reading = reading(f.point, "w01018", hour(day, 0), value);
        day_reading.key.kind = DataKind::Day;
        packet(vec![day_reading])
    };
    let packets = vec![day_value("2026-03-02", 60.0), day_value("2026-03-03", 45.0)];
    f.store.commit_batch(&IngestBatch { packets, ..IngestBatch::default() }).unwrap();
    f.pass();
    let over = f.one(DerivedKind::OutletDaily, "2026-03-02").detail;
    let cod = &over["params"]["w01018"];
    assert_eq!(cod["source"], "day_data", "{over:#}");
    assert_eq!(cod["exceeds"], true);
    assert_eq!(over["exceeds"], true);
    let within = f.one(DerivedKind::OutletDaily, "2026-03-03").detail;
    assert_eq!(within["params"]["w01018"]["exceeds"], false, "{within:#}");
    // Hours of 40 on a day whose day value is 60: the device's day value is judged.
    f.send_hours("w01018", "2026-03-02", 0..24, 40.0);
    f.pass();
    let both = f.one(DerivedKind::OutletDaily, "2026-03-02").detail;
    assert_eq!(both["params"]["w01018"]["source"], "day_data", "{both:#}");
    assert_eq!(both["exceeds"], true);
}
