#![allow(clippy::unwrap_used)]

use model::registry::RecordStatus;
use store::{DerivedStore, RegistryEntity, RegistryKind, RegistryStore, SqliteStore, Store};

use crate::import::{Format, ImportFile, import};
use crate::{Error, Problem, expiry, export, sample};

fn at(offset_ms: i64) -> model::Instant {
    model::Instant::from_unix_millis(1_795_000_000_000 + offset_ms).unwrap()
}

/// A store with the sample registry loaded.
fn sample_store() -> SqliteStore {
    let store = SqliteStore::open_in_memory().unwrap();
    import(&store, &sample::files(), "demo", at(0), true).unwrap();
    store
}

fn csv_file(kind: RegistryKind, text: &str) -> ImportFile {
    ImportFile {
        name: format!("{}.csv", kind.as_str()),
        kind,
        format: Format::Csv,
        bytes: text.as_bytes().to_vec(),
    }
}

/// Imports `files` (CSV text by kind) into `store` as `tester`.
fn check(store: &dyn Store, files: &[(RegistryKind, &str)]) -> crate::Result<crate::ImportReport> {
    let files: Vec<ImportFile> = files.iter().map(|(kind, text)| csv_file(*kind, text)).collect();
    import(store, &files, "tester", at(1_000), false)
}

fn problems(
    result: crate::Result<crate::ImportReport>,
) -> Vec<(String, usize, Option<String>, String)> {
    match result {
        Err(Error::Rejected { problems }) => problems
            .into_iter()
            .map(|Problem { file, line, column, reason, .. }| (file, line, column, reason))
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_sample_registry_imports_and_is_complete() {
    let store = sample_store();
    let count = |kind| store.registry_records(kind).unwrap().len();
    assert_eq!(count(RegistryKind::Town), 10);
    assert_eq!(count(RegistryKind::WaterBody), 4);
    assert!(count(RegistryKind::Enterprise) >= 30);
    assert!(count(RegistryKind::Outlet) >= 30);
    let sections: Vec<_> = store
        .registry_records(RegistryKind::Section)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record.entity {
            RegistryEntity::Section(section) => Some(section),
            _ => None,
        })
        .collect();
    for river in ["MINJIANG", "MANGXI", "MOXI", "YONGSI"] {
        let mut orders: Vec<u32> =
            sections.iter().filter(|s| s.water_body == river).map(|s| s.order).collect();
        orders.sort_unstable();
        assert_eq!(orders, (1..=orders.len() as u32).collect::<Vec<_>>(), "{river}");
        assert!(orders.len() >= 2, "{river} has sections upstream and downstream");
    }
    assert!(sections.iter().any(|s| s.drinking_source));
    assert!(sections.iter().any(|s| s.boundary == model::registry::Boundary::Inflow));
    assert!(sections.iter().any(|s| s.boundary == model::registry::Boundary::Outflow));
    // Every sample name says it is simulated, and every linked point is marked simulated.
    for kind in RegistryKind::ALL {
        for record in store.registry_records(kind).unwrap() {
            assert!(record.sample);
            if kind != RegistryKind::Town
                && kind != RegistryKind::WaterBody
                && let Some(name) = record.entity.name()
            {
                assert!(name.contains("模拟"), "{name}");
            }
        }
    }
    assert!(store.points().unwrap().iter().all(|point| point.point.simulated));
    // Permit limits reach the outlets' point limits in the standards' format.
    let outlet = store.registry_record(RegistryKind::Outlet, "WTQ-E01-FG1").unwrap().unwrap();
    let limits = store.point_limits(outlet.point.unwrap()).unwrap();
    assert_eq!(limits.len(), 3);
    for limit in limits {
        let parsed: standards::emission::PermitLimit = serde_json::from_value(limit.limit).unwrap();
        assert_eq!(parsed.unit, "mg/m3");
    }
    // Importing the sample again changes nothing.
    let again = import(&store, &sample::files(), "demo", at(1), true).unwrap();
    assert_eq!(again.applied.n_created + again.applied.n_updated, 0);
    assert_eq!(again.applied.n_unchanged, again.n_rows);
}

#[test]
fn bad_rows_are_all_reported_and_nothing_is_imported() {
    let store = SqliteStore::open_in_memory().unwrap();
    let towns = "code,name,district\n511112100,竹根镇,五通桥区\n5111121,短码镇,五通桥区\n";
    let enterprises = "\
uscc,name,industry,town,address,longitude,latitude,categories
91350100M000100Y43,甲公司,化工,511112100,地址,103.8,29.4,water;air
91350100M000100Y44,乙公司,化工,511112100,地址,103.8,29.4,
91350100M000100Y43,甲公司重复,化工,511112100,地址,103.8,29.4,
91511112MA62XK7Q25,丙公司,化工,511112999,地址,200,29.4,gas
";
    let result =
        check(&store, &[(RegistryKind::Enterprise, enterprises), (RegistryKind::Town, towns)]);
    let expected = [
        ("town.csv", 3, Some("code"), "town code \"5111121\" must be 9 digits (GB/T 10114)"),
        (
            "enterprise.csv",
            3,
            Some("uscc"),
            "invalid unified social credit code \"91350100M000100Y44\": check character is '4', expected '3'",
        ),
        ("enterprise.csv", 4, Some("uscc"), "duplicate of line 2"),
        ("enterprise.csv", 5, Some("longitude"), "longitude 200 is outside -180..180"),
        (
            "enterprise.csv",
            5,
            Some("categories"),
            "\"gas\" is not one of water|air|soil|noise|risk",
        ),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(file, line, column, reason)| {
            (file.to_string(), *line, column.map(str::to_owned), reason.to_string())
        })
        .collect();
    assert_eq!(problems(result), expected);
    assert!(
        store.registry_records(RegistryKind::Town).unwrap().is_empty(),
        "nothing half-imported"
    );
    assert!(store.audit_entries(10).unwrap().is_empty());

    // References are checked against the store and the rows before them.
    let result = check(
        &store,
        &[(
            RegistryKind::Enterprise,
            "uscc,name,industry,town,address,longitude,latitude\n91350100M000100Y43,甲公司,化工,511112999,地址,103.8,29.4\n",
        )],
    );
    assert_eq!(
        problems(result),
        [(
            "enterprise.csv".to_owned(),
            2,
            Some("town".to_owned()),
            "town \"511112999\" does not exist".to_owned()
        )]
    );
}

#[test]
fn headers_are_checked_and_chinese_headers_are_accepted() {
    let store = SqliteStore::open_in_memory().unwrap();
    let result = check(&store, &[(RegistryKind::Town, "code,name,area\n511112100,竹根镇,x\n")]);
    assert_eq!(
        problems(result),
        [
            (
                "town.csv".to_owned(),
                1,
                Some("area".to_owned()),
                "unknown column; expected code, name, district, status".to_owned()
            ),
            (
                "town.csv".to_owned(),
                1,
                Some("district".to_owned()),
                "required column missing (header \"district\" or \"区县\")".to_owned()
            ),
        ]
    );
    let report = check(
        &store,
        &[(RegistryKind::Town, "\u{feff}代码,名称,区县,状态\n511112100,竹根镇,五通桥区,在用\n")],
    )
    .unwrap();
    assert_eq!((report.n_rows, report.applied.n_created), (1, 1));
}

#[test]
fn a_row_retires_a_record_and_every_change_is_audited() {
    let store = SqliteStore::open_in_memory().unwrap();
    let towns = "code,name,district\n511112100,竹根镇,五通桥区\n511112101,牛华镇,五通桥区\n";
    check(&store, &[(RegistryKind::Town, towns)]).unwrap();
    let changed = "code,name,district,status\n511112100,竹根镇（新）,五通桥区,\n511112101,牛华镇,五通桥区,retired\n";
    let report = check(&store, &[(RegistryKind::Town, changed)]).unwrap();
    assert_eq!((report.applied.n_updated, report.applied.n_retired), (2, 1));
    let retired = store.registry_record(RegistryKind::Town, "511112101").unwrap().unwrap();
    assert_eq!(retired.status, RecordStatus::Retired);
    let entries = store.audit_entries(10).unwrap();
    let actions: Vec<(&str, &str)> =
        entries.iter().map(|entry| (entry.action.as_str(), entry.subject.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("registry_retired", "town:511112101"),
            ("registry_updated", "town:511112100"),
            ("registry_created", "town:511112101"),
            ("registry_created", "town:511112100"),
        ]
    );
    assert!(entries.iter().all(|entry| entry.actor == "tester"));
    assert_eq!(entries[1].detail["before"]["entity"]["name"], "竹根镇");
    assert_eq!(entries[1].detail["after"]["entity"]["name"], "竹根镇（新）");
    // An active record may not refer to a retired one.
    let result = check(
        &store,
        &[(
            RegistryKind::AirStation,
            "code,name,town,level,longitude,latitude\nA-1,站,511112101,micro,103.8,29.4\n",
        )],
    );
    assert_eq!(problems(result)[0].3, "town \"511112101\" is retired");
}

#[test]
fn exports_import_back_unchanged_as_csv_and_xlsx() {
    let store = sample_store();
    for format in [Format::Csv, Format::Xlsx] {
        let files: Vec<ImportFile> = RegistryKind::ALL
            .into_iter()
            .map(|kind| ImportFile {
                name: format!("{}.{}", kind.as_str(), format.extension()),
                kind,
                format,
                bytes: export::export(&store, kind, format).unwrap(),
            })
            .collect();
        let report = import(&store, &files, "tester", at(2), true).unwrap();
        assert_eq!(report.applied.n_created + report.applied.n_updated, 0, "{format:?}");
        assert!(report.n_rows > 300, "{format:?}: {}", report.n_rows);
        // Into an empty store, the export recreates the same records.
        let fresh = SqliteStore::open_in_memory().unwrap();
        import(&fresh, &files, "tester", at(2), true).unwrap();
        for kind in RegistryKind::ALL {
            let entities = |store: &SqliteStore| -> Vec<(RegistryEntity, RecordStatus)> {
                store
                    .registry_records(kind)
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.entity, r.status))
                    .collect()
            };
            assert_eq!(entities(&fresh), entities(&store), "{kind:?} {format:?}");
        }
    }
}

#[test]
fn devices_need_a_password_once_and_store_only_its_hash() {
    let store = sample_store();
    let without = "mn,point,protocol\n5A5451300000000000000AB1,WTQ-E01-FG1,2017\n";
    let result = check(&store, &[(RegistryKind::Device, without)]);
    assert_eq!(problems(result)[0].3, "a new device needs a password");
    let with = "mn,point,protocol,password,installed_on\n5A5451300000000000000AB1,WTQ-E01-FG1,2017,s3cret,2026-03-01\n";
    check(&store, &[(RegistryKind::Device, with)]).unwrap();
    let mn = model::Mn::parse("5A5451300000000000000AB1").unwrap();
    let device = store.device_by_mn(&mn).unwrap().unwrap();
    assert!(device.device.password_hash.starts_with("$argon2id$"));
    assert!(crate::password_matches("s3cret", &device.device.password_hash));
    // The same password again, or none, changes nothing; the export has no password.
    assert_eq!(check(&store, &[(RegistryKind::Device, with)]).unwrap().applied.n_unchanged, 1);
    let no_password =
        "mn,point,protocol,installed_on\n5A5451300000000000000AB1,WTQ-E01-FG1,2017,2026-03-01\n";
    assert_eq!(
        check(&store, &[(RegistryKind::Device, no_password)]).unwrap().applied.n_unchanged,
        1
    );
    let exported =
        String::from_utf8(export::export(&store, RegistryKind::Device, Format::Csv).unwrap())
            .unwrap();
    assert!(!exported.contains("s3cret") && !exported.contains("argon2"), "{exported}");
    let unknown_point = "mn,point,protocol,password\nMN2,NOPE,2017,x\n";
    assert_eq!(
        problems(check(&store, &[(RegistryKind::Device, unknown_point)]))[0].3,
        "point \"NOPE\" does not exist"
    );
}

#[test]
fn permits_expiring_within_the_window_are_listed_soonest_first() {
    let store = sample_store();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let expiring = expiry::expiring_permits(&store, today, 60).unwrap();
    let summary: Vec<(String, i64)> =
        expiring.iter().map(|permit| (permit.valid_to.to_string(), permit.days_left)).collect();
    assert_eq!(
        summary,
        [
            ("2026-11-15".to_owned(), -14),
            ("2026-12-20".to_owned(), 21),
            ("2027-01-10".to_owned(), 42)
        ]
    );
    assert!(expiring[1].enterprise_name.as_deref().unwrap().contains("模拟"));
    assert_eq!(expiry::expiring_permits(&store, today, 30).unwrap().len(), 2);
}

#[test]
fn a_single_row_is_validated_like_a_file_row_and_retire_keeps_the_record() {
    let store = sample_store();
    let cells = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(column, value)| (column.to_string(), value.to_string())).collect()
    };
    let good = cells(&[
        ("code", "AIR-X"),
        ("name", "新微站（模拟）"),
        ("town", "511112100"),
        ("level", "micro"),
        ("longitude", "103.8"),
        ("latitude", "29.4"),
    ]);
    let file = crate::import::row_file("request", RegistryKind::AirStation, &good).unwrap();
    let report = import(&store, &[file], "api", at(5), false).unwrap();
    assert_eq!(report.applied.n_created, 1);
    let bad = cells(&[
        ("code", "AIR-Y"),
        ("name", "x"),
        ("town", "511112100"),
        ("level", "county"),
        ("longitude", "103.8"),
        ("latitude", "29.4"),
    ]);
    let file = crate::import::row_file("request", RegistryKind::AirStation, &bad).unwrap();
    let refused = problems(import(&store, &[file], "api", at(6), false));
    assert_eq!(
        refused,
        [(
            "request".to_owned(),
            2,
            Some("level".to_owned()),
            "\"county\" is not one of national|provincial|micro".to_owned()
        )]
    );

    let report =
        crate::import::retire(&store, RegistryKind::AirStation, "AIR-X", "api", at(7)).unwrap();
    assert_eq!(report.n_retired, 1);
    let record = store.registry_record(RegistryKind::AirStation, "AIR-X").unwrap().unwrap();
    assert_eq!(record.status, RecordStatus::Retired);
    let missing = crate::import::retire(&store, RegistryKind::AirStation, "NOPE", "api", at(8));
    assert!(matches!(missing, Err(Error::Store(store::Error::NotFound { .. }))));
}

#[test]
fn emission_totals_follow_the_documented_method_and_roll_up() {
    use model::{DataKind, ParamCode, Reading, ReadingKey, ReadingValues};
    use store::conformance::fixture;

    use crate::totals::{Method, Period, emission_totals};

    let store = sample_store();
    let point_of = |code: &str| {
        store.registry_record(RegistryKind::Outlet, code).unwrap().unwrap().point.unwrap()
    };
    let flue_gas = point_of("WTQ-E01-FG1");
    let wastewater = point_of("WTQ-E01-WW1");
    let device = store.upsert_device(&fixture::device("MN-TOTALS", flue_gas)).unwrap();
    // 2026-03-02 09:00, 10:00 and 11:00 Beijing (01:00–03:00 UTC).
    let hour =
        |n: i64| model::Instant::from_unix_millis(1_772_413_200_000 + n * 3_600_000).unwrap();
    let reading = |point, param: &str, n: i64, avg: Option<f64>, cou: Option<f64>| Reading {
        key: ReadingKey {
            point,
            param: ParamCode::parse(param).unwrap(),
            kind: DataKind::Hour,
            data_time: hour(n),
        },
        values: ReadingValues { avg, cou, flag: Some("N".to_owned()), ..ReadingValues::default() },
    };
    let readings = vec![
        // Hour 0: SO2 20 mg/m³ at 40 m³/s → 20 × 40 × 3600 / 10⁶ = 2.88 kg.
        reading(flue_gas, "a21026", 0, Some(20.0), None),
        reading(flue_gas, "a00000", 0, Some(40.0), Some(144_000.0)),
        // Hour 1: SO2 without a flow reading: not counted, not estimated.
        reading(flue_gas, "a21026", 1, Some(25.0), None),
        // Hour 2: the device's own amount, 5 kg.
        reading(flue_gas, "a21026", 2, Some(30.0), Some(5.0)),
        reading(flue_gas, "a00000", 2, Some(40.0), None),
        // Wastewater COD 30 mg/L at 10 L/s → 30 × 10 × 3600 / 10⁶ = 1.08 kg.
        reading(wastewater, "w01018", 0, Some(30.0), None),
        reading(wastewater, "w00000", 0, Some(10.0), None),
        // pH has no mass.
        reading(wastewater, "w01001", 0, Some(7.2), None),
    ];
    store
        .commit_batch(&store::IngestBatch {
            packets: vec![fixture::accepted_packet(device, readings, 0)],
            ..store::IngestBatch::default()
        })
        .unwrap();

    let now = hour(100);
    let day = emission_totals(&store, Period::parse("2026-03-02").unwrap(), now).unwrap();
    let find = |param: &str, outlet: &str| {
        day.outlets.iter().find(|t| t.param == param && t.outlet == outlet).unwrap()
    };
    let so2 = find("a21026", "WTQ-E01-FG1");
    assert!((so2.amount_kg - 7.88).abs() < 1e-9, "{so2:?}");
    assert_eq!((so2.n_hours, so2.n_expected_hours, so2.method), (2, 24, Method::Mixed));
    let cod = find("w01018", "WTQ-E01-WW1");
    assert!((cod.amount_kg - 1.08).abs() < 1e-9, "{cod:?}");
    assert_eq!(cod.method, Method::ConcentrationTimesFlow);
    assert!(!day.outlets.iter().any(|t| t.param == "w01001"), "pH has no mass");
    let nox = find("a21002", "WTQ-E01-FG1");
    assert_eq!((nox.amount_kg, nox.n_hours, nox.method), (0.0, 0, Method::NoData));

    // Roll-ups: the enterprise, its town and industry, the district; against the permit.
    let enterprise = day
        .enterprises
        .iter()
        .find(|t| t.group == "91511112MA65J0DT85" && t.param == "a21026")
        .unwrap();
    assert!((enterprise.amount_kg - 7.88).abs() < 1e-9);
    assert_eq!(enterprise.permitted_annual_kg, Some(24_000.0));
    assert!((enterprise.share_of_permitted.unwrap() - 7.88 / 24_000.0).abs() < 1e-12);
    assert!(enterprise.name.as_deref().unwrap().contains("青山盐化"));
    let town = day.towns.iter().find(|t| t.group == "511112101" && t.param == "a21026").unwrap();
    assert!((town.amount_kg - 7.88).abs() < 1e-9);
    let district_so2 = day.district.iter().find(|t| t.param == "a21026").unwrap();
    assert!((district_so2.amount_kg - 7.88).abs() < 1e-9);
    let permitted_total: f64 = day
        .enterprises
        .iter()
        .filter(|t| t.param == "a21026")
        .filter_map(|t| t.permitted_annual_kg)
        .sum();
    assert_eq!(district_so2.permitted_annual_kg, Some(permitted_total));
    let industry =
        day.industries.iter().find(|t| t.group == "盐磷化工" && t.param == "a21026").unwrap();
    assert!(industry.n_expected_hours > 24, "several outlets in the industry");

    // The month and the year include the day; the expected hours stop at `now`.
    let month = emission_totals(&store, Period::parse("2026-03").unwrap(), now).unwrap();
    let so2_month =
        month.outlets.iter().find(|t| t.param == "a21026" && t.outlet == "WTQ-E01-FG1").unwrap();
    assert!((so2_month.amount_kg - 7.88).abs() < 1e-9);
    // From 2026-03-01 00:00 Beijing to hour 0 (03-02 09:00) is 33 hours; `now` is 100 hours later.
    assert_eq!(so2_month.n_expected_hours, 33 + 100);
    assert!(Period::parse("2026-13").is_none());
    let next_day = emission_totals(&store, Period::parse("2026-03-03").unwrap(), now).unwrap();
    assert_eq!(next_day.district.iter().map(|t| t.amount_kg).sum::<f64>(), 0.0);
}

#[test]
fn a_workbook_with_chinese_headers_number_and_date_cells_imports() {
    let store = sample_store();
    let workbook = |with_bad_row: bool| -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for (column, header) in
            ["许可证编号", "企业信用代码", "有效期起", "有效期止"].iter().enumerate()
        {
            sheet.write_string(0, column as u16, *header).unwrap();
        }
        sheet.write_string(1, 0, "XLSX-PERMIT-1").unwrap();
        sheet.write_string(1, 1, "91511112MA65J0DT85").unwrap();
        let from = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 1).unwrap();
        let to = rust_xlsxwriter::ExcelDateTime::from_ymd(2030, 12, 31).unwrap();
        sheet.write_datetime_with_format(1, 2, &from, &date_format).unwrap();
        sheet.write_datetime_with_format(1, 3, &to, &date_format).unwrap();
        if with_bad_row {
            // A number where a date belongs.
            sheet.write_string(2, 0, "XLSX-PERMIT-2").unwrap();
            sheet.write_string(2, 1, "91511112MA65J0DT85").unwrap();
            sheet.write_number(2, 2, 20260101.0).unwrap();
            sheet.write_datetime_with_format(2, 3, &to, &date_format).unwrap();
        }
        workbook.save_to_buffer().unwrap()
    };
    let bytes = workbook(true);
    let file = |bytes: Vec<u8>| ImportFile {
        name: "permits.xlsx".to_owned(),
        kind: RegistryKind::Permit,
        format: Format::Xlsx,
        bytes,
    };
    let refused = problems(import(&store, &[file(bytes.clone())], "tester", at(3), false));
    assert_eq!(
        refused,
        [(
            "permits.xlsx".to_owned(),
            3,
            Some("valid_from".to_owned()),
            "\"20260101\" is not a date YYYY-MM-DD".to_owned()
        )]
    );
    assert!(store.registry_record(RegistryKind::Permit, "XLSX-PERMIT-1").unwrap().is_none());
    let garbage =
        problems(import(&store, &[file(b"not a workbook".to_vec())], "tester", at(3), false));
    assert_eq!((garbage[0].1, garbage[0].2.is_none()), (1, true));
    assert!(garbage[0].3.starts_with("cannot read the file"), "{}", garbage[0].3);
    // Without the bad row, the date cells are read as dates.
    import(&store, &[file(workbook(false))], "tester", at(4), false).unwrap();
    let record = store.registry_record(RegistryKind::Permit, "XLSX-PERMIT-1").unwrap().unwrap();
    match record.entity {
        RegistryEntity::Permit(permit) => {
            assert_eq!(
                (permit.valid_from.to_string(), permit.valid_to.to_string()),
                ("2026-01-01".to_owned(), "2030-12-31".to_owned())
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_record_in_use_cannot_be_retired_alone() {
    let store = sample_store();
    let retire_outlet = "code,name,enterprise,kind,longitude,latitude,reference_o2_pct,status\n\
        WTQ-E01-FG1,青山盐化锅炉废气排放口1（模拟）,91511112MA65J0DT85,flue_gas,103.791,29.4825,9,retired\n";
    let refused = problems(check(&store, &[(RegistryKind::Outlet, retire_outlet)]));
    assert_eq!(
        refused,
        [(
            "outlet.csv".to_owned(),
            2,
            Some("status".to_owned()),
            "still used by active limit \"91511112MA65J0DT85001P/WTQ-E01-FG1/a21002\"; retire that first or in the same import".to_owned()
        )]
    );
    // With its limits retired in the same import, it goes; its point limits go with them.
    let retire_limits = "permit,outlet,param,max,unit,averaging,reference_o2_pct,annual_total_kg,status\n\
        91511112MA65J0DT85001P,WTQ-E01-FG1,a34013,10,mg/m3,hour,9,4000,retired\n\
        91511112MA65J0DT85001P,WTQ-E01-FG1,a21026,35,mg/m3,hour,9,24000,retired\n\
        91511112MA65J0DT85001P,WTQ-E01-FG1,a21002,50,mg/m3,hour,9,36000,retired\n";
    let report = check(
        &store,
        &[(RegistryKind::Outlet, retire_outlet), (RegistryKind::Limit, retire_limits)],
    )
    .unwrap();
    assert_eq!(report.applied.n_retired, 4);
    let outlet = store.registry_record(RegistryKind::Outlet, "WTQ-E01-FG1").unwrap().unwrap();
    assert!(store.point_limits(outlet.point.unwrap()).unwrap().is_empty());
}
