//! The plan against a real SQLite store: statuses for years that meet, miss
//! and lack data; drill-down to the right stations, sections and days; the
//! assessment report (HTML and XLSX) with every indicator; plan file errors.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use model::{BeijingTime, DataKind, Mn, ParamCode, PointId, Reading, ReadingKey, ReadingValues};
use plan::metric::DrillDown;
use plan::status::Reason;
use plan::{Context, Plan, Site, SiteKind, Status, Value};
use standards::water::{WaterClass, WaterItem};
use store::{
    DeviceLeniency, IncomingPacket, IngestBatch, NewCityTarget, NewDevice, NewPlanDocument,
    NewPlanValue, NewPoint, PlanStore, PointKind, RawPacket, SqliteOptions, SqliteStore, Store,
    Verdict,
};

struct Fixture {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    plan: Plan,
    sites: Vec<Site>,
    n_points: usize,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(&dir.path().join("plan.db"), SqliteOptions::default()).unwrap();
        Fixture { _dir: dir, store, plan: Plan::shipped().unwrap(), sites: Vec::new(), n_points: 0 }
    }

    fn context(&self) -> Context<'_> {
        Context {
            plan: &self.plan,
            store: &self.store,
            sites: &self.sites,
            emissions: &plan::NoEmissions,
        }
    }

    /// A point with a device; a site too unless `site` is `None`.
    fn point(
        &mut self,
        code: &str,
        kind: PointKind,
        site: Option<(SiteKind, Option<&str>, bool, bool)>,
    ) -> PointId {
        self.n_points += 1;
        let point = self
            .store
            .upsert_point(&NewPoint {
                code: code.to_owned(),
                name: format!("{code} 站"),
                kind,
                enterprise: None,
                simulated: false,
            })
            .unwrap();
        let device = self
            .store
            .upsert_device(&NewDevice {
                mn: Mn::parse(&format!("PLANTEST{:04}", self.n_points)).unwrap(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                protocol: "2017".to_owned(),
                point,
                leniency: DeviceLeniency::default(),
                simulated: true,
            })
            .unwrap();
        let _ = device;
        if let Some((kind, river, main_stream, drinking_source)) = site {
            self.sites.push(Site {
                point,
                code: code.to_owned(),
                name: format!("{code} 站"),
                kind,
                river: river.map(str::to_owned),
                main_stream,
                drinking_source,
            });
        }
        point
    }

    /// Commits 24 hour readings of each `(code, value)` on Beijing `date`.
    fn day(&self, point: PointId, date: NaiveDate, values: &[(&str, f64)]) {
        let device =
            self.store.devices().unwrap().into_iter().find(|d| d.device.point == point).unwrap();
        let mut readings = Vec::new();
        for hour in 0..24 {
            let at = BeijingTime(date.and_hms_opt(hour, 0, 0).unwrap()).to_instant();
            for (code, value) in values {
                readings.push(Reading {
                    key: ReadingKey {
                        point,
                        param: ParamCode::parse(code).unwrap(),
                        kind: DataKind::Hour,
                        data_time: at,
                    },
                    values: ReadingValues {
                        avg: Some(*value),
                        flag: Some("N".to_owned()),
                        ..ReadingValues::default()
                    },
                });
            }
        }
        let packet = IncomingPacket {
            raw: RawPacket {
                bytes: b"##0000test\r\n".to_vec(),
                received_at: BeijingTime(date.and_hms_opt(23, 30, 0).unwrap()).to_instant(),
                peer: "127.0.0.1:1".to_owned(),
                mn: Some(device.device.mn.as_str().to_owned()),
                device: Some(device.id),
                cn: Some(2061),
                verdict: Verdict::Accepted,
                deviations: vec![],
            },
            readings,
        };
        self.store
            .commit_batch(&IngestBatch { packets: vec![packet], ..IngestBatch::default() })
            .unwrap();
    }

    fn enter(&self, indicator: &str, year: i32, value: f64) {
        self.store
            .enter_plan_value(
                &NewPlanValue {
                    plan: self.plan.id.clone(),
                    indicator: indicator.to_owned(),
                    year,
                    value,
                    note: "测试".to_owned(),
                    document: Some(NewPlanDocument {
                        file_name: format!("{indicator}-{year}.pdf"),
                        media_type: "application/pdf".to_owned(),
                        bytes: b"%PDF-1.4 test".to_vec(),
                    }),
                },
                "tester",
                BeijingTime(
                    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap().and_hms_opt(9, 0, 0).unwrap(),
                )
                .to_instant(),
            )
            .unwrap();
    }

    /// The status and value of `indicator` in `year`.
    fn status(&self, indicator: &str, year: i32) -> (Status, Option<Value>) {
        let result = plan::assess_indicator(&self.context(), indicator, year).unwrap();
        (result.status, result.value)
    }
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, month, day).unwrap()
}

/// Hourly air values: everything low, PM2.5 as given.
fn air(pm25: f64) -> Vec<(&'static str, f64)> {
    vec![
        ("a21026", 10.0),
        ("a21004", 20.0),
        ("a21005", 0.5),
        ("a05024", 60.0),
        ("a34002", 40.0),
        ("a34004", pm25),
    ]
}

fn water(items: &[(&str, f64)]) -> Vec<(&'static str, f64)> {
    items
        .iter()
        .map(|(name, value)| (WaterItem::parse(name).unwrap().hj212_code(), *value))
        .collect()
}

/// Class III water: DO 6 (II), CODMn 5 (III), NH3-N 0.8 (III).
fn class_iii() -> Vec<(&'static str, f64)> {
    water(&[("DO", 6.0), ("CODMn", 5.0), ("NH3-N", 0.8)])
}

/// Class IV water: NH3-N 1.2.
fn class_iv() -> Vec<(&'static str, f64)> {
    water(&[("DO", 6.0), ("CODMn", 5.0), ("NH3-N", 1.2)])
}

/// Worse than V: NH3-N 2.5.
fn worse_than_v() -> Vec<(&'static str, f64)> {
    water(&[("DO", 6.0), ("CODMn", 5.0), ("NH3-N", 2.5)])
}

#[test]
fn entered_indicator_meets_misses_and_lacks_data() {
    let fixture = Fixture::new();
    // Forest cover: baseline 36.9 (2020), target ≥ 36.9.
    fixture.enter("9", 2022, 37.2);
    fixture.enter("9", 2025, 36.5);
    fixture.enter("16a", 2022, 85.0); // 80 → 90: expected 84 in 2022.
    fixture.enter("16b", 2022, 77.0); // 75 → 90: expected 81 in 2022.
    assert_eq!(fixture.status("9", 2022), (Status::Met, Some(Value::Number(37.2))));
    assert_eq!(fixture.status("9", 2025).0, Status::NotMet);
    assert_eq!(fixture.status("9", 2023), (Status::NoData, None));
    assert_eq!(fixture.status("16a", 2022).0, Status::OnTrack);
    assert_eq!(fixture.status("16b", 2022).0, Status::AtRisk);
    // A correction is a new version, and the new value is judged.
    fixture.enter("9", 2025, 37.0);
    assert_eq!(fixture.status("9", 2025).0, Status::Met);
    let result = plan::assess_indicator(&fixture.context(), "9", 2025).unwrap();
    assert!(result.evidence_text.zh.contains("第 2 版"), "{}", result.evidence_text.zh);
    assert!(result.evidence_text.zh.contains("9-2025.pdf"), "{}", result.evidence_text.zh);
}

#[test]
fn city_target_is_judged_once_set() {
    let fixture = Fixture::new();
    fixture.enter("19", 2025, 14.2);
    let before = plan::assess_indicator(&fixture.context(), "19", 2025).unwrap();
    assert_eq!((before.status, before.reason), (Status::NoData, Reason::TargetNotSet));
    fixture
        .store
        .set_city_target(
            &NewCityTarget {
                plan: fixture.plan.id.clone(),
                indicator: "19".to_owned(),
                value: 14.0,
                note: "乐市府〔2022〕号".to_owned(),
                document: NewPlanDocument {
                    file_name: "target.pdf".to_owned(),
                    media_type: "application/pdf".to_owned(),
                    bytes: b"target".to_vec(),
                },
            },
            "tester",
            model::Instant::from_unix_millis(1_700_000_000_000).unwrap(),
        )
        .unwrap();
    let after = plan::assess_indicator(&fixture.context(), "19", 2025).unwrap();
    assert_eq!(after.status, Status::Met);
    assert!(after.target.zh.contains("14"), "{}", after.target.zh);
}

#[test]
fn stable_or_improving_compares_with_the_previous_year() {
    let fixture = Fixture::new();
    fixture.enter("10", 2021, 0.62);
    fixture.enter("10", 2022, 0.60);
    fixture.enter("10", 2023, 0.63);
    assert_eq!(fixture.status("10", 2021).0, Status::NoData); // nothing for 2020
    assert_eq!(fixture.status("10", 2022).0, Status::AtRisk);
    assert_eq!(fixture.status("10", 2023).0, Status::Met);
}

/// Two district stations and a micro-station (not a site): station A has a
/// good day and a heavily polluted day, station B two good days.
fn air_fixture() -> (Fixture, PointId, PointId) {
    let mut fixture = Fixture::new();
    let a = fixture.point(
        "AIR-A",
        PointKind::AirStation,
        Some((SiteKind::AirStation, None, false, false)),
    );
    let b = fixture.point(
        "AIR-B",
        PointKind::AirStation,
        Some((SiteKind::AirStation, None, false, false)),
    );
    let micro = fixture.point("MICRO-C", PointKind::MicroStation, None);
    fixture.day(a, date(1, 1), &air(30.0));
    fixture.day(a, date(1, 2), &air(160.0));
    fixture.day(b, date(1, 1), &air(30.0));
    fixture.day(b, date(1, 2), &air(30.0));
    fixture.day(micro, date(1, 1), &air(300.0));
    (fixture, a, b)
}

#[test]
fn computed_air_indicator_drills_down_to_stations_and_days() {
    let (fixture, a, b) = air_fixture();
    let heavy = plan::assess_indicator(&fixture.context(), "2", 2022).unwrap();
    let Some(DrillDown::Air { district, stations }) = &heavy.drill_down else {
        panic!("{heavy:?}")
    };
    let codes: Vec<&str> = stations.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["AIR-A", "AIR-B"], "the micro-station is not a district station");
    let days = |point: PointId| -> Vec<(NaiveDate, bool, bool)> {
        stations
            .iter()
            .find(|s| s.point == Some(point))
            .unwrap()
            .days
            .iter()
            .map(|d| (d.date, d.good, d.heavy))
            .collect()
    };
    assert_eq!(days(a), [(date(1, 1), true, false), (date(1, 2), false, true)]);
    assert_eq!(days(b), [(date(1, 1), true, false), (date(1, 2), true, false)]);
    let station_a = stations.iter().find(|s| s.point == Some(a)).unwrap();
    assert_eq!(
        (station_a.n_counted_days, station_a.n_good_days, station_a.n_heavy_days),
        (2, 1, 1)
    );
    assert_eq!(station_a.heavy_days_percent, Some(50.0));
    // The district's series is the hourly mean: 2 Jan PM2.5 (160 + 30) / 2 = 95
    // µg/m³, lightly polluted, neither good nor heavy.
    let district = district.as_ref().unwrap();
    let district_days: Vec<(NaiveDate, bool, bool)> =
        district.days.iter().map(|d| (d.date, d.good, d.heavy)).collect();
    assert_eq!(district_days, [(date(1, 1), true, false), (date(1, 2), false, false)]);
    assert_eq!(heavy.value, Some(Value::Number(0.0)));
    assert_eq!(heavy.status, Status::Met);

    // Good days: 1 of 2 counted days = 50 %, far behind the path to 89.4 %.
    let good = plan::assess_indicator(&fixture.context(), "1", 2022).unwrap();
    assert_eq!(good.value, Some(Value::Number(50.0)));
    assert_eq!(good.status, Status::AtRisk);
    assert_eq!(fixture.status("1", 2025), (Status::NoData, None));
    // PM2.5: two days are far from the 324 daily means an annual mean needs.
    let pm = plan::assess_indicator(&fixture.context(), "3", 2022).unwrap();
    assert_eq!((pm.status, pm.reason), (Status::NoData, Reason::InsufficientData));
    // District daily means 30 and 95: (30 + 95) / 2 = 62.5, to even 62 (GB/T 8170).
    assert_eq!(pm.provisional, Some(Value::Number(62.0)));
}

#[test]
fn computed_water_indicators_select_sections_by_river() {
    let mut fixture = Fixture::new();
    let section = |river: &'static str, main: bool, drinking: bool| {
        Some((SiteKind::WaterSection, Some(river), main, drinking))
    };
    let m1 = fixture.point("MJ-1", PointKind::SurfaceWater, section("岷江", true, false));
    let m2 = fixture.point("MJ-2", PointKind::SurfaceWater, section("岷江", true, false));
    let x1 = fixture.point("MX-1", PointKind::SurfaceWater, section("茫溪河", false, false));
    let d1 = fixture.point("DW-1", PointKind::SurfaceWater, section("岷江", false, true));
    fixture.day(m1, date(3, 1), &class_iii());
    fixture.day(m1, date(4, 1), &class_iii());
    fixture.day(m2, date(3, 1), &class_iv());
    fixture.day(x1, date(5, 6), &worse_than_v());
    fixture.day(d1, date(5, 6), &class_iii());

    let minjiang = plan::assess_indicator(&fixture.context(), "4", 2022).unwrap();
    assert_eq!(minjiang.value, Some(Value::Number(50.0)));
    assert_eq!(minjiang.status, Status::AtRisk);
    let Some(DrillDown::Water { sections }) = &minjiang.drill_down else { panic!() };
    type SectionRow<'a> = (&'a str, Option<WaterClass>, Option<bool>, Vec<NaiveDate>);
    let rows: Vec<SectionRow<'_>> = sections
        .iter()
        .map(|s| (s.code.as_str(), s.class, s.counted, s.sample_days.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("MJ-1", Some(WaterClass::III), Some(true), vec![date(3, 1), date(4, 1)]),
            ("MJ-2", Some(WaterClass::IV), Some(false), vec![date(3, 1)]),
        ]
    );
    assert_eq!(sections[0].n_samples, 48);

    let mangxi = plan::assess_indicator(&fixture.context(), "5", 2022).unwrap();
    assert_eq!(mangxi.value, Some(Value::Class(WaterClass::WorseThanV)));
    assert_eq!(mangxi.status, Status::AtRisk);
    assert_eq!(fixture.status("6", 2022), (Status::Met, Some(Value::Number(100.0))));
    // All four sections: one worse than V.
    assert_eq!(fixture.status("7", 2022), (Status::AtRisk, Some(Value::Number(25.0))));
    assert_eq!(fixture.status("7", 2025).0, Status::NoData);
}

#[test]
fn without_matching_sites_a_computed_indicator_has_no_data() {
    let mut fixture = Fixture::new();
    // A section of an unknown river (what the binary knows before the registry says more).
    let unknown = fixture.point(
        "SW-1",
        PointKind::SurfaceWater,
        Some((SiteKind::WaterSection, None, false, false)),
    );
    fixture.day(unknown, date(3, 1), &class_iii());
    let result = plan::assess_indicator(&fixture.context(), "4", 2022).unwrap();
    assert_eq!((result.status, result.reason), (Status::NoData, Reason::NoSites));
    assert_eq!(fixture.status("7", 2022), (Status::Met, Some(Value::Number(0.0))));
}

/// Every indicator number 1–21 (16 as 16a–c) appears in the report.
fn expected_ids() -> Vec<String> {
    let mut ids: Vec<String> = (1..=21).filter(|n| *n != 16).map(|n| n.to_string()).collect();
    ids.extend(["16a", "16b", "16c"].map(str::to_owned));
    ids.sort();
    ids
}

#[test]
fn assessment_reports_list_all_21_indicators() {
    let (fixture, _, _) = air_fixture();
    fixture.enter("9", 2022, 37.2);
    let assessment = plan::assess_year(&fixture.context(), 2022).unwrap();
    assert_eq!(assessment.kind, plan::AssessmentKind::MidTerm);
    let mut ids: Vec<String> = assessment.indicators.iter().map(|i| i.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, expected_ids());

    let html = plan::report::html(&assessment).unwrap();
    for id in expected_ids() {
        assert!(
            html.contains(&format!("id=\"indicator-{id}\"")),
            "indicator {id} missing from HTML"
        );
    }
    for name in [
        "空气质量优良天数比例",
        "非化石能源占一次能源消费比例",
        "森林覆盖率",
        "37.2",
        "已达标",
        "中期评估",
    ] {
        assert!(html.contains(name), "{name} missing from HTML");
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "the page is self-contained");

    use calamine::{Reader, Xlsx};
    let bytes = plan::report::xlsx(&assessment).unwrap();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("评估").unwrap();
    let rows: Vec<Vec<String>> =
        range.rows().map(|row| row.iter().map(|cell| cell.to_string()).collect()).collect();
    let header = rows.iter().position(|row| row.first().is_some_and(|c| c == "序号 No.")).unwrap();
    let body = &rows[header + 1..];
    let mut xlsx_ids: Vec<String> = body.iter().map(|row| row[0].clone()).collect();
    xlsx_ids.sort();
    assert_eq!(xlsx_ids, expected_ids());
    let forest = body.iter().find(|row| row[0] == "9").unwrap();
    assert_eq!(forest[2], "森林覆盖率");
    assert_eq!(forest[9], "37.2");
    assert_eq!(forest[10], "已达标");
    assert!(forest[13].contains("9-2022.pdf"), "{}", forest[13]);
    let good = body.iter().find(|row| row[0] == "1").unwrap();
    assert_eq!((good[9].as_str(), good[10].as_str()), ("50", "存在风险"));
}

#[test]
fn trend_lists_each_year_from_the_baseline() {
    let fixture = Fixture::new();
    fixture.enter("12", 2021, 87.0);
    fixture.enter("12", 2023, 96.0);
    let trend = plan::trend(&fixture.context(), "12", 2023).unwrap();
    let points: Vec<(i32, Option<Value>, Option<Status>)> =
        trend.iter().map(|p| (p.year, p.value, p.status)).collect();
    assert_eq!(
        points,
        [
            (2020, Some(Value::Number(85.0)), None),
            (2021, Some(Value::Number(87.0)), Some(Status::OnTrack)),
            (2022, None, Some(Status::NoData)),
            (2023, Some(Value::Number(96.0)), Some(Status::Met)),
        ]
    );
}

/// Parses `text` and returns the error message.
fn plan_error(text: &str) -> String {
    Plan::parse(text).unwrap_err().to_string()
}

#[test]
fn plan_file_errors_name_the_indicator_and_field() {
    let shipped = plan::SHIPPED_PLAN;
    // Unknown target kind.
    let bad_kind =
        shipped.replacen("kind = \"at_least\", value = 89.4", "kind = \"about\", value = 89.4", 1);
    assert!(plan_error(&bad_kind).contains("about"), "{}", plan_error(&bad_kind));
    // A class target with a numeric metric.
    let bad_metric =
        shipped.replacen("metric = \"river_class\"", "metric = \"share_worse_than_v\"", 1);
    assert_eq!(
        plan_error(&bad_metric),
        "plan file: indicator 5: source.metric: a class metric goes with a class_at_least target and only with it"
    );
    // An air metric over water sections.
    let bad_sites = shipped.replacen(
        "metric = \"good_days_ratio\", sites = { kind = \"air_station\" }",
        "metric = \"good_days_ratio\", sites = { kind = \"water_section\" }",
        1,
    );
    assert!(
        plan_error(&bad_sites).contains("indicator 1: source.sites.kind"),
        "{}",
        plan_error(&bad_sites)
    );
    // A duplicate id.
    let duplicate = shipped.replacen("id = \"21\"", "id = \"20\"", 1);
    assert_eq!(plan_error(&duplicate), "plan file: indicator 20: id: appears twice");
    // A baseline after the target year, and a missing field.
    let late = shipped.replacen(
        "baseline = { year = 2020, value = 36.9 }",
        "baseline = { year = 2026, value = 36.9 }",
        1,
    );
    assert_eq!(
        plan_error(&late),
        "plan file: indicator 9: baseline.year: 2026 is not before the target year"
    );
    let no_unit = shipped.replacen("unit = \"%\"\n", "", 1);
    assert!(plan_error(&no_unit).contains("unit"), "{}", plan_error(&no_unit));
    // Several problems are reported together.
    let both = duplicate.replacen(
        "baseline = { year = 2020, value = 36.9 }",
        "baseline = { year = 2026, value = 36.9 }",
        1,
    );
    assert!(
        plan_error(&both).contains("indicator 9") && plan_error(&both).contains("indicator 20")
    );
}

#[test]
fn entries_that_do_not_fit_the_plan_are_refused_with_indicator_and_field() {
    let fixture = Fixture::new();
    let at = model::Instant::from_unix_millis(1_700_000_000_000).unwrap();
    let value = |indicator: &str, year: i32, value: f64| NewPlanValue {
        plan: fixture.plan.id.clone(),
        indicator: indicator.to_owned(),
        year,
        value,
        note: String::new(),
        document: None,
    };
    let refused = |entry: NewPlanValue| {
        plan::entry::enter_value(&fixture.store, &fixture.plan, &entry, "tester", at)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused(value("1", 2022, 90.0)),
        "indicator 1: value: this indicator is computed from monitoring data"
    );
    assert_eq!(refused(value("9", 2022, 137.0)), "indicator 9: value: 137 is not a percentage");
    assert_eq!(refused(value("9", 2022, f64::NAN)), "indicator 9: value: not a finite number");
    assert_eq!(refused(value("9", 1999, 30.0)), "year 1999 is out of range");
    assert_eq!(refused(value("99", 2022, 30.0)), "no indicator \"99\" in the plan");
    let mut empty_document = value("9", 2022, 37.0);
    empty_document.document = Some(NewPlanDocument {
        file_name: "x.pdf".into(),
        media_type: "application/pdf".into(),
        bytes: vec![],
    });
    assert_eq!(refused(empty_document), "indicator 9: document: the document is empty");
    assert!(
        fixture.store.plan_values(&fixture.plan.id).unwrap().is_empty(),
        "nothing refused was stored"
    );

    let target = NewCityTarget {
        plan: fixture.plan.id.clone(),
        indicator: "9".to_owned(),
        value: 40.0,
        note: String::new(),
        document: NewPlanDocument {
            file_name: "t.pdf".into(),
            media_type: "application/pdf".into(),
            bytes: b"t".to_vec(),
        },
    };
    let error = plan::entry::set_city_target(&fixture.store, &fixture.plan, &target, "tester", at)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "indicator 9: target: this indicator's target is in the plan, not assigned by the city"
    );
    assert!(fixture.store.city_targets(&fixture.plan.id).unwrap().is_empty());
}

#[test]
fn pm25_annual_mean_counts_once_the_year_is_valid() {
    let mut fixture = Fixture::new();
    let station = fixture.point(
        "AIR-Y",
        PointKind::AirStation,
        Some((SiteKind::AirStation, None, false, false)),
    );
    let mut day = date(1, 1);
    while day.format("%Y").to_string() == "2022" {
        fixture.day(station, day, &air(30.0));
        day = day.succ_opt().unwrap();
    }
    let pm = plan::assess_indicator(&fixture.context(), "3", 2022).unwrap();
    assert_eq!((pm.status, pm.value), (Status::Met, Some(Value::Number(30.0))));
    let Some(DrillDown::Air { stations, .. }) = &pm.drill_down else { panic!() };
    assert_eq!((stations[0].pm25_valid_days, stations[0].pm25_required_days), (365, 324));
    assert!(stations[0].pm25_valid);
    assert_eq!(stations[0].days.len(), 365);
    let good = plan::assess_indicator(&fixture.context(), "1", 2022).unwrap();
    assert_eq!((good.status, good.value), (Status::Met, Some(Value::Number(100.0))));
}

/// The registry's sites: control stations without micro-stations, sections with
/// their river and drinking-water flag, so the plan's selectors for indicators
/// 4 (Minjiang main stream), 5 (Mangxi) and 6 (drinking-water sources) find
/// the right sections; with an empty registry, the store's points.
#[test]
fn registry_sites_feed_the_river_and_drinking_water_selectors() {
    use plan::{RegistrySites, Selector, SiteKind, SiteSource};
    let store = store::SqliteStore::open_in_memory().unwrap();
    assert!(RegistrySites.sites(&store).unwrap().is_empty(), "no registry, no points: no sites");
    let now = model::Instant::from_unix_millis(1_796_000_000_000).unwrap();
    registry::import::import(&store, &registry::sample::files(), "tests", now, true).unwrap();
    let sites = RegistrySites.sites(&store).unwrap();
    let codes = |selector: Selector| -> Vec<String> {
        selector.select(&sites).into_iter().map(|site| site.code.clone()).collect()
    };
    let section = |river: Option<&str>, drinking: Option<bool>| Selector {
        kind: SiteKind::WaterSection,
        river: river.map(str::to_owned),
        main_stream: None,
        drinking_source: drinking,
    };
    assert_eq!(codes(section(Some("岷江"), None)), ["WTQ-MJ-01", "WTQ-MJ-02", "WTQ-MJ-03"]);
    assert_eq!(codes(section(Some("茫溪河"), None)), ["WTQ-MX-01", "WTQ-MX-02"]);
    assert_eq!(codes(section(None, Some(true))), ["WTQ-MJ-02"]);
    assert_eq!(codes(section(None, None)).len(), 9);
    let stations = codes(Selector {
        kind: SiteKind::AirStation,
        river: None,
        main_stream: None,
        drinking_source: None,
    });
    assert_eq!(
        stations.len(),
        3,
        "national and provincial stations, no micro-stations: {stations:?}"
    );
}
