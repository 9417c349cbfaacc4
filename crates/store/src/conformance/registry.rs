//! Conformance cases of [`crate::RegistryStore`].

use model::registry::{
    Boundary, RecordStatus, SectionLevel, SuperviseCategory, WaterBodyKind, WaterTarget,
};
use model::{Mn, ParamCode, Uscc};

use super::fixture::at;
use crate::{
    Enterprise, Error, Limit, Outlet, Permit, PointKind, RegisteredDevice, RegistryChange,
    RegistryEntity, RegistryKind, Section, Store, Town, WaterBody,
};

/// Fixtures of registry records.
pub mod registry_fixture {
    use super::*;

    /// A credit code with a valid check character.
    pub const USCC: &str = "91350100M000100Y43";

    /// An active, non-sample change.
    pub fn active(entity: RegistryEntity) -> RegistryChange {
        RegistryChange { entity, status: RecordStatus::Active, sample: false }
    }

    /// The town `511112100`.
    pub fn town() -> RegistryEntity {
        RegistryEntity::Town(Town {
            code: "511112100".to_owned(),
            name: "竹根镇".to_owned(),
            district: "五通桥区".to_owned(),
        })
    }

    /// A lake, so the water body kind is not the default.
    pub fn lake() -> RegistryEntity {
        RegistryEntity::WaterBody(WaterBody {
            code: "LAKE".to_owned(),
            name: "示例湖".to_owned(),
            kind: WaterBodyKind::Lake,
        })
    }

    /// A section of the lake in the town.
    pub fn section(code: &str) -> RegistryEntity {
        RegistryEntity::Section(Section {
            code: code.to_owned(),
            name: format!("{code} 断面"),
            water_body: "LAKE".to_owned(),
            town: "511112100".to_owned(),
            level: SectionLevel::Provincial,
            target: WaterTarget::III,
            longitude: 103.82,
            latitude: 29.41,
            drinking_source: false,
            boundary: Boundary::Outflow,
            order: 2,
        })
    }

    /// The enterprise [`USCC`] named `name`.
    pub fn enterprise(name: &str) -> RegistryEntity {
        RegistryEntity::Enterprise(Enterprise {
            uscc: Uscc::parse(USCC).unwrap(),
            name: name.to_owned(),
            industry: "盐磷化工".to_owned(),
            town: "511112100".to_owned(),
            address: "竹根镇示例路 1 号".to_owned(),
            longitude: 103.81,
            latitude: 29.40,
            categories: vec![SuperviseCategory::Water, SuperviseCategory::Air],
            contact: "张三".to_owned(),
            phone: "0833-0000000".to_owned(),
        })
    }

    /// A flue-gas outlet of the enterprise.
    pub fn outlet(code: &str) -> RegistryEntity {
        RegistryEntity::Outlet(Outlet {
            code: code.to_owned(),
            name: format!("{code} 排放口"),
            enterprise: Uscc::parse(USCC).unwrap(),
            kind: PointKind::FlueGas,
            longitude: 103.81,
            latitude: 29.40,
            reference_o2_pct: Some("9".to_owned()),
        })
    }

    /// The permit `number` of the enterprise, valid to `valid_to`.
    pub fn permit(number: &str, valid_to: &str) -> RegistryEntity {
        RegistryEntity::Permit(Permit {
            number: number.to_owned(),
            enterprise: Uscc::parse(USCC).unwrap(),
            valid_from: "2024-01-01".parse().unwrap(),
            valid_to: valid_to.parse().unwrap(),
        })
    }

    /// A limit of `permit` for SO2 at `outlet`, `max` mg/m³ hourly.
    pub fn limit(permit: &str, outlet: &str, max: &str) -> RegistryEntity {
        RegistryEntity::Limit(Limit {
            permit: permit.to_owned(),
            outlet: outlet.to_owned(),
            param: ParamCode::parse("a21026").unwrap(),
            concentration: serde_json::json!({ "pollutant": "a21026", "bound": { "max": max } }),
            annual_total_kg: Some(12_000.0),
        })
    }

    /// Town, enterprise, outlet `FG-1`: what an outlet needs.
    pub fn outlet_setup() -> Vec<RegistryChange> {
        vec![active(town()), active(enterprise("示例化工")), active(outlet("FG-1"))]
    }
}

use registry_fixture::*;

/// Records round-trip by kind and key; point-linked records create their
/// point; `sites` gives each point's town and water body kind.
pub fn registry_records_round_trip_and_link_points(store: &dyn Store) {
    let mut changes = outlet_setup();
    changes.push(active(lake()));
    changes.push(active(section("S-1")));
    let report = store.apply_registry(&changes, "tester", at(0)).unwrap();
    assert_eq!((report.n_created, report.n_updated, report.n_unchanged), (5, 0, 0));
    let enterprises = store.registry_records(RegistryKind::Enterprise).unwrap();
    assert_eq!(enterprises.len(), 1);
    assert_eq!(enterprises[0].entity, enterprise("示例化工"));
    assert_eq!(enterprises[0].updated_at, at(0));
    let outlet_record = store.registry_record(RegistryKind::Outlet, "FG-1").unwrap().unwrap();
    assert_eq!(outlet_record.entity, outlet("FG-1"));
    let points = store.points().unwrap();
    let point = points.iter().find(|point| point.point.code == "FG-1").unwrap();
    assert_eq!(Some(point.id), outlet_record.point);
    assert_eq!(point.point.kind, PointKind::FlueGas);
    assert_eq!(point.point.enterprise.as_deref(), Some("示例化工"));
    let section_point = points.iter().find(|point| point.point.code == "S-1").unwrap();
    assert_eq!(section_point.point.kind, PointKind::SurfaceWater);
    let sites = store.sites().unwrap();
    let section_site = sites.iter().find(|site| site.point == section_point.id).unwrap();
    assert_eq!(section_site.water_body_kind, Some(WaterBodyKind::Lake));
    assert_eq!(section_site.town.as_deref(), Some("511112100"));
    let outlet_site = sites.iter().find(|site| site.point == point.id).unwrap();
    assert_eq!(
        outlet_site.town.as_deref(),
        Some("511112100"),
        "an outlet lies in its enterprise's town"
    );
    assert!(store.registry_record(RegistryKind::Outlet, "FG-2").unwrap().is_none());
    // Renaming the enterprise renames it on its outlets' points.
    store.apply_registry(&[active(enterprise("新名化工"))], "tester", at(1)).unwrap();
    let points = store.points().unwrap();
    let point = points.iter().find(|point| point.point.code == "FG-1").unwrap();
    assert_eq!(point.point.enterprise.as_deref(), Some("新名化工"));
}

/// Each creation, change and retirement is audited with before and after;
/// re-applying the same record writes and audits nothing.
pub fn registry_changes_are_audited_with_before_and_after(store: &dyn Store) {
    store.apply_registry(&[active(town())], "alice", at(0)).unwrap();
    store.apply_registry(&[active(enterprise("旧名"))], "alice", at(1)).unwrap();
    let report = store.apply_registry(&[active(enterprise("新名"))], "bob", at(2)).unwrap();
    assert_eq!((report.n_created, report.n_updated), (0, 1));
    let retire = RegistryChange { status: RecordStatus::Retired, ..active(enterprise("新名")) };
    let report = store.apply_registry(std::slice::from_ref(&retire), "carol", at(3)).unwrap();
    assert_eq!((report.n_updated, report.n_retired), (1, 1));
    let report = store.apply_registry(&[retire], "carol", at(4)).unwrap();
    assert_eq!((report.n_updated, report.n_unchanged), (0, 1));

    let entries = store.audit_entries(10).unwrap();
    let actions: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|entry| (entry.actor.as_str(), entry.action.as_str(), entry.subject.as_str()))
        .collect();
    let subject = format!("enterprise:{USCC}");
    assert_eq!(
        actions,
        [
            ("carol", "registry_retired", subject.as_str()),
            ("bob", "registry_updated", subject.as_str()),
            ("alice", "registry_created", subject.as_str()),
            ("alice", "registry_created", "town:511112100"),
        ]
    );
    assert_eq!(entries[0].at, at(3));
    assert_eq!(entries[1].detail["before"]["entity"]["name"], "旧名");
    assert_eq!(entries[1].detail["after"]["entity"]["name"], "新名");
    assert_eq!(entries[0].detail["before"]["status"], "active");
    assert_eq!(entries[0].detail["after"]["status"], "retired");
    assert!(entries[2].detail["before"].is_null());
    // The audit chain stays intact.
    assert!(store.verify_evidence().unwrap().iter().all(|check| check.outcome.is_ok()));
}

/// A retired record stays readable, and its point keeps existing.
pub fn retired_records_stay_readable(store: &dyn Store) {
    store.apply_registry(&outlet_setup(), "tester", at(0)).unwrap();
    let retire = RegistryChange { status: RecordStatus::Retired, ..active(outlet("FG-1")) };
    store.apply_registry(&[retire], "tester", at(1)).unwrap();
    let record = store.registry_record(RegistryKind::Outlet, "FG-1").unwrap().unwrap();
    assert_eq!(record.status, RecordStatus::Retired);
    assert_eq!(record.entity, outlet("FG-1"));
    assert!(store.points().unwrap().iter().any(|point| Some(point.id) == record.point));
    // It can be brought back.
    store.apply_registry(&[active(outlet("FG-1"))], "tester", at(2)).unwrap();
    let record = store.registry_record(RegistryKind::Outlet, "FG-1").unwrap().unwrap();
    assert_eq!(record.status, RecordStatus::Active);
}

/// An active limit of an active permit sets its outlet's point limit; once
/// no such limit remains, the point limit is gone; the permit valid longest wins.
pub fn permit_limits_drive_point_limits(store: &dyn Store) {
    let mut changes = outlet_setup();
    changes.push(active(permit("P-OLD", "2025-12-31")));
    changes.push(active(limit("P-OLD", "FG-1", "100")));
    store.apply_registry(&changes, "tester", at(0)).unwrap();
    let point = store.registry_record(RegistryKind::Outlet, "FG-1").unwrap().unwrap().point;
    let point = point.unwrap();
    let bound = |store: &dyn Store| -> Option<String> {
        let limits = store.point_limits(point).unwrap();
        assert!(limits.len() <= 1);
        limits.first().map(|limit| {
            assert_eq!(limit.param, "a21026");
            limit.limit["bound"]["max"].as_str().unwrap().to_owned()
        })
    };
    assert_eq!(bound(store).as_deref(), Some("100"));
    // A renewed permit with a stricter limit takes over.
    store
        .apply_registry(
            &[active(permit("P-NEW", "2030-12-31")), active(limit("P-NEW", "FG-1", "50"))],
            "tester",
            at(1),
        )
        .unwrap();
    assert_eq!(bound(store).as_deref(), Some("50"));
    // Retiring the new permit falls back to the old one's limit.
    let retire_new =
        RegistryChange { status: RecordStatus::Retired, ..active(permit("P-NEW", "2030-12-31")) };
    store.apply_registry(&[retire_new], "tester", at(2)).unwrap();
    assert_eq!(bound(store).as_deref(), Some("100"));
    // Retiring the last active limit removes the point limit.
    let retire_old =
        RegistryChange { status: RecordStatus::Retired, ..active(limit("P-OLD", "FG-1", "100")) };
    store.apply_registry(&[retire_old], "tester", at(3)).unwrap();
    assert_eq!(bound(store), None);
}

/// A change referring to a record that does not exist fails the whole
/// apply: no record, point or audit entry is left behind.
pub fn registry_apply_is_all_or_nothing(store: &dyn Store) {
    let changes = vec![
        active(town()),
        active(outlet("FG-1")), // its enterprise is missing
    ];
    let error = store.apply_registry(&changes, "tester", at(0)).unwrap_err();
    assert!(
        matches!(&error, Error::NotFound { entity: "enterprise", id } if id == USCC),
        "{error:?}"
    );
    assert!(store.registry_records(RegistryKind::Town).unwrap().is_empty());
    assert!(store.points().unwrap().is_empty());
    assert!(store.audit_entries(10).unwrap().is_empty());
    let error =
        store.apply_registry(&[active(limit("P-NONE", "FG-1", "1"))], "tester", at(0)).unwrap_err();
    assert!(matches!(error, Error::NotFound { entity: "permit", .. }), "{error:?}");
}

/// A device record registers the device the gateway authenticates, for its
/// point; the audit log notes a password change without the hash.
pub fn registry_device_is_registered_for_its_point(store: &dyn Store) {
    store.apply_registry(&outlet_setup(), "tester", at(0)).unwrap();
    let device = |hash: &str| {
        RegistryEntity::Device(RegisteredDevice {
            mn: Mn::parse("MN0000000000000000000001").unwrap(),
            point: "FG-1".to_owned(),
            protocol: "2017".to_owned(),
            password_hash: hash.to_owned(),
            installed_on: Some("2026-01-05".parse().unwrap()),
            calibrated_on: None,
        })
    };
    store.apply_registry(&[active(device("$argon2id$first"))], "tester", at(1)).unwrap();
    let stored = store.device_by_mn(&Mn::parse("MN0000000000000000000001").unwrap()).unwrap();
    let stored = stored.unwrap();
    let point = store.registry_record(RegistryKind::Outlet, "FG-1").unwrap().unwrap().point;
    assert_eq!(Some(stored.device.point), point);
    assert_eq!(stored.device.password_hash, "$argon2id$first");
    store.apply_registry(&[active(device("$argon2id$second"))], "tester", at(2)).unwrap();
    let entry = &store.audit_entries(1).unwrap()[0];
    assert_eq!(entry.detail["password_changed"], true);
    // A retired device is kept, but no longer found by MN (the gateway refuses it).
    let mn = Mn::parse("MN0000000000000000000001").unwrap();
    let retire =
        RegistryChange { status: RecordStatus::Retired, ..active(device("$argon2id$second")) };
    store.apply_registry(&[retire], "tester", at(3)).unwrap();
    assert!(store.device_by_mn(&mn).unwrap().is_none());
    assert!(store.devices().unwrap().iter().any(|device| device.device.mn == mn));
    store.apply_registry(&[active(device("$argon2id$second"))], "tester", at(4)).unwrap();
    assert!(store.device_by_mn(&mn).unwrap().is_some(), "reactivated");
    assert!(!entry.detail.to_string().contains("$argon2id$"), "no hash in the audit log");
    let error = store
        .apply_registry(
            &[active(RegistryEntity::Device(RegisteredDevice {
                point: "NOPE".to_owned(),
                ..match device("x") {
                    RegistryEntity::Device(device) => device,
                    _ => unreachable!(),
                }
            }))],
            "tester",
            at(3),
        )
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { entity: "point", .. }), "{error:?}");
}

/// `sites` gives a section's target class and drinking-water flag as the
/// registry has them now (evaluation judges the section against them);
/// points of other kinds have no target.
pub fn section_sites_carry_their_target_class(store: &dyn Store) {
    let mut changes = outlet_setup();
    changes.push(active(lake()));
    changes.push(active(section("S-1")));
    store.apply_registry(&changes, "tester", at(0)).unwrap();
    let site_of = |code: &str| {
        let points = store.points().unwrap();
        let point = points.iter().find(|point| point.point.code == code).unwrap().id;
        store.sites().unwrap().into_iter().find(|site| site.point == point).unwrap()
    };
    let site = site_of("S-1");
    assert_eq!((site.target, site.drinking_source), (Some(WaterTarget::III), false));
    assert_eq!(site_of("FG-1").target, None, "an outlet has no water target");
    // A class-1 protection zone: target II, drinking-water source.
    let RegistryEntity::Section(section) = section("S-1") else { unreachable!() };
    let zone = RegistryEntity::Section(Section {
        target: WaterTarget::II,
        drinking_source: true,
        ..section
    });
    store.apply_registry(&[active(zone)], "tester", at(1)).unwrap();
    let site = site_of("S-1");
    assert_eq!((site.target, site.drinking_source), (Some(WaterTarget::II), true));
}
