//! The registry (一企一档): administrative areas, water bodies, surface-water
//! sections, air stations, noise points, enterprises, their outlets, permits
//! and permit limits, and devices.
//!
//! Each record is one [`RegistryEntity`] with a natural key (a code, a credit
//! code, a permit number, an MN) and a [`RecordStatus`]. Records are never
//! deleted: a record with data is retired and stays readable.
//!
//! Registry records that readings belong to (sections, air stations, noise
//! points, outlets) are linked 1:1 to a monitoring point with the same code:
//! [`RegistryStore::apply_registry`] creates or updates that point. A device
//! record is kept in the device table the gateway authenticates against; a
//! retired device stays there but [`crate::Store::device_by_mn`] no longer
//! finds it, so the gateway refuses it as unknown. A
//! permit limit is the single source of its outlet's `point_limit` (what
//! evaluation judges exceedance against): an active limit of an active permit
//! sets it, and once none is active the point limit is removed.
//!
//! Every change is audited in its own transaction: action
//! `registry_created`, `registry_updated` or `registry_retired`, subject
//! `<kind>:<key>`, detail `{"before": …, "after": …}`.

use chrono::NaiveDate;
use model::registry::{
    AirStationLevel, Boundary, RecordStatus, SectionLevel, SuperviseCategory, WaterBodyKind,
    WaterTarget,
};
use model::{Instant, Mn, ParamCode, PointId, Uscc};
use serde::{Deserialize, Serialize};

use crate::{PointKind, Result};

/// The kinds of registry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryKind {
    /// A town (镇) of the district.
    Town,
    /// A river, lake or reservoir.
    WaterBody,
    /// A surface-water section (断面).
    Section,
    /// An ambient air station (空气站).
    AirStation,
    /// A noise monitoring point (噪声点).
    NoisePoint,
    /// An enterprise (企业).
    Enterprise,
    /// An enterprise's monitoring point (排放口).
    Outlet,
    /// A discharge permit (排污许可证).
    Permit,
    /// A permit's limit for one outlet and pollutant.
    Limit,
    /// A field device (数采仪).
    Device,
}

impl RegistryKind {
    /// All kinds, in dependency order: a kind refers only to kinds before it.
    pub const ALL: [RegistryKind; 10] = [
        RegistryKind::Town,
        RegistryKind::WaterBody,
        RegistryKind::Section,
        RegistryKind::AirStation,
        RegistryKind::NoisePoint,
        RegistryKind::Enterprise,
        RegistryKind::Outlet,
        RegistryKind::Permit,
        RegistryKind::Limit,
        RegistryKind::Device,
    ];

    /// Stable snake_case name used in storage, JSON, URLs and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryKind::Town => "town",
            RegistryKind::WaterBody => "water_body",
            RegistryKind::Section => "section",
            RegistryKind::AirStation => "air_station",
            RegistryKind::NoisePoint => "noise_point",
            RegistryKind::Enterprise => "enterprise",
            RegistryKind::Outlet => "outlet",
            RegistryKind::Permit => "permit",
            RegistryKind::Limit => "limit",
            RegistryKind::Device => "device",
        }
    }

    /// Parses the name written by [`RegistryKind::as_str`].
    pub fn parse(text: &str) -> Option<RegistryKind> {
        RegistryKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A town (镇/乡/街道) of the district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Town {
    /// Administrative code (9 digits), e.g. `511112100`.
    pub code: String,
    /// Name, e.g. `竹根镇`.
    pub name: String,
    /// The district it belongs to, e.g. `五通桥区`.
    pub district: String,
}

/// A river, lake or reservoir.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterBody {
    /// Code, e.g. `MINJIANG`.
    pub code: String,
    /// Name, e.g. `岷江`.
    pub name: String,
    /// River, lake or reservoir (GB 3838 judges them differently).
    pub kind: WaterBodyKind,
}

/// A surface-water section; its readings belong to the point with its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Point code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The water body's code.
    pub water_body: String,
    /// The town it lies in.
    pub town: String,
    /// Assessment level.
    pub level: SectionLevel,
    /// The class it must meet.
    pub target: WaterTarget,
    /// Longitude, degrees east (WGS 84).
    pub longitude: f64,
    /// Latitude, degrees north (WGS 84).
    pub latitude: f64,
    /// A drinking-water source section (饮用水水源地).
    pub drinking_source: bool,
    /// Whether it is a boundary section, and which way.
    pub boundary: Boundary,
    /// Order along its water body, upstream first (1, 2, …).
    pub order: u32,
}

/// An ambient air station; its readings belong to the point with its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AirStation {
    /// Point code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The town it lies in.
    pub town: String,
    /// National, provincial or micro-station.
    pub level: AirStationLevel,
    /// Longitude, degrees east (WGS 84).
    pub longitude: f64,
    /// Latitude, degrees north (WGS 84).
    pub latitude: f64,
}

/// A noise monitoring point; its readings belong to the point with its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoisePoint {
    /// Point code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The town it lies in.
    pub town: String,
    /// Acoustic functional zone class of GB 3096-2008: `0`, `1`, `2`, `3`, `4a`, `4b`.
    pub zone: String,
    /// Longitude, degrees east (WGS 84).
    pub longitude: f64,
    /// Latitude, degrees north (WGS 84).
    pub latitude: f64,
}

/// An enterprise (一企一档).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enterprise {
    /// Unified social credit code: the natural key.
    pub uscc: Uscc,
    /// Name.
    pub name: String,
    /// Industry, e.g. `盐磷化工`.
    pub industry: String,
    /// The town it lies in.
    pub town: String,
    /// Address.
    pub address: String,
    /// Longitude, degrees east (WGS 84).
    pub longitude: f64,
    /// Latitude, degrees north (WGS 84).
    pub latitude: f64,
    /// Key-supervision categories (may be empty).
    pub categories: Vec<SuperviseCategory>,
    /// Contact person.
    pub contact: String,
    /// Contact phone.
    pub phone: String,
}

/// An enterprise's monitoring point (outlet); its readings belong to the point with its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlet {
    /// Point code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The enterprise's credit code.
    pub enterprise: Uscc,
    /// Flue gas, wastewater, VOCs, fume, dust or electricity.
    pub kind: PointKind,
    /// Longitude, degrees east (WGS 84).
    pub longitude: f64,
    /// Latitude, degrees north (WGS 84).
    pub latitude: f64,
    /// Reference O₂ in % by volume its flue-gas concentrations are converted to, if any.
    pub reference_o2_pct: Option<String>,
}

/// A discharge permit (排污许可证).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permit {
    /// Permit number: the natural key.
    pub number: String,
    /// The enterprise's credit code.
    pub enterprise: Uscc,
    /// First day of validity (Beijing date).
    pub valid_from: NaiveDate,
    /// Last day of validity (Beijing date).
    pub valid_to: NaiveDate,
}

/// A permit's limits for one outlet and pollutant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// The permit number.
    pub permit: String,
    /// The outlet's point code.
    pub outlet: String,
    /// The pollutant's HJ 212 code.
    pub param: ParamCode,
    /// The concentration limit as `standards::emission::PermitLimit` JSON; the
    /// store does not interpret it (it is copied to `point_limit`).
    pub concentration: serde_json::Value,
    /// The allowed annual total in kg (许可排放量), if the permit sets one.
    pub annual_total_kg: Option<f64>,
}

impl Limit {
    /// The natural key: `<permit>/<outlet>/<param>`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.permit, self.outlet, self.param)
    }
}

/// A field device (数采仪) in the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredDevice {
    /// The MN: the natural key.
    pub mn: Mn,
    /// The point code it reports for.
    pub point: String,
    /// Protocol edition label: `2005`, `2017` or `2025`.
    pub protocol: String,
    /// PHC string of the argon2 hash of its PW (HJ 212 sends the PW in clear,
    /// so a one-way hash is enough to check it).
    pub password_hash: String,
    /// Installation date.
    pub installed_on: Option<NaiveDate>,
    /// Last calibration date.
    pub calibrated_on: Option<NaiveDate>,
}

/// One registry record's content, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum RegistryEntity {
    /// A town.
    Town(Town),
    /// A water body.
    WaterBody(WaterBody),
    /// A surface-water section.
    Section(Section),
    /// An air station.
    AirStation(AirStation),
    /// A noise point.
    NoisePoint(NoisePoint),
    /// An enterprise.
    Enterprise(Enterprise),
    /// An outlet.
    Outlet(Outlet),
    /// A permit.
    Permit(Permit),
    /// A permit limit.
    Limit(Limit),
    /// A device.
    Device(RegisteredDevice),
}

impl RegistryEntity {
    /// Its kind.
    pub fn kind(&self) -> RegistryKind {
        match self {
            RegistryEntity::Town(_) => RegistryKind::Town,
            RegistryEntity::WaterBody(_) => RegistryKind::WaterBody,
            RegistryEntity::Section(_) => RegistryKind::Section,
            RegistryEntity::AirStation(_) => RegistryKind::AirStation,
            RegistryEntity::NoisePoint(_) => RegistryKind::NoisePoint,
            RegistryEntity::Enterprise(_) => RegistryKind::Enterprise,
            RegistryEntity::Outlet(_) => RegistryKind::Outlet,
            RegistryEntity::Permit(_) => RegistryKind::Permit,
            RegistryEntity::Limit(_) => RegistryKind::Limit,
            RegistryEntity::Device(_) => RegistryKind::Device,
        }
    }

    /// Its natural key within its kind.
    pub fn key(&self) -> String {
        match self {
            RegistryEntity::Town(town) => town.code.clone(),
            RegistryEntity::WaterBody(body) => body.code.clone(),
            RegistryEntity::Section(section) => section.code.clone(),
            RegistryEntity::AirStation(station) => station.code.clone(),
            RegistryEntity::NoisePoint(point) => point.code.clone(),
            RegistryEntity::Enterprise(enterprise) => enterprise.uscc.to_string(),
            RegistryEntity::Outlet(outlet) => outlet.code.clone(),
            RegistryEntity::Permit(permit) => permit.number.clone(),
            RegistryEntity::Limit(limit) => limit.key(),
            RegistryEntity::Device(device) => device.mn.to_string(),
        }
    }

    /// Its display name, if it has one.
    pub fn name(&self) -> Option<&str> {
        match self {
            RegistryEntity::Town(town) => Some(&town.name),
            RegistryEntity::WaterBody(body) => Some(&body.name),
            RegistryEntity::Section(section) => Some(&section.name),
            RegistryEntity::AirStation(station) => Some(&station.name),
            RegistryEntity::NoisePoint(point) => Some(&point.name),
            RegistryEntity::Enterprise(enterprise) => Some(&enterprise.name),
            RegistryEntity::Outlet(outlet) => Some(&outlet.name),
            RegistryEntity::Permit(_) | RegistryEntity::Limit(_) | RegistryEntity::Device(_) => {
                None
            }
        }
    }

    /// The kind of monitoring point this record is linked to, for sections,
    /// stations, noise points and outlets.
    pub fn point_kind(&self) -> Option<PointKind> {
        match self {
            RegistryEntity::Section(_) => Some(PointKind::SurfaceWater),
            RegistryEntity::AirStation(station) => Some(match station.level {
                AirStationLevel::Micro => PointKind::MicroStation,
                AirStationLevel::National | AirStationLevel::Provincial => PointKind::AirStation,
            }),
            RegistryEntity::NoisePoint(_) => Some(PointKind::Noise),
            RegistryEntity::Outlet(outlet) => Some(outlet.kind),
            _ => None,
        }
    }
}

/// A change to apply: create or update the record with the entity's key, with this status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryChange {
    /// The record's content.
    pub entity: RegistryEntity,
    /// Active, or retired (a retired record keeps its content).
    pub status: RecordStatus,
    /// True for sample (demo) data; linked points and devices are marked simulated.
    pub sample: bool,
}

/// A stored registry record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRecord {
    /// The content.
    pub entity: RegistryEntity,
    /// Active or retired.
    pub status: RecordStatus,
    /// True for sample (demo) data.
    pub sample: bool,
    /// The linked monitoring point, for sections, stations, noise points and outlets.
    pub point: Option<PointId>,
    /// When it was last changed.
    pub updated_at: Instant,
}

/// What [`RegistryStore::apply_registry`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Records created.
    pub n_created: usize,
    /// Records whose content or status changed (retirements included).
    pub n_updated: usize,
    /// Of those, records retired by this apply.
    pub n_retired: usize,
    /// Records given exactly as stored: nothing written, nothing audited.
    pub n_unchanged: usize,
}

/// Where a monitoring point lies, for the evaluation engine: the town and,
/// for a surface-water section, its water body and that body's kind, whether
/// it is a drinking-water source and the class it must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The point.
    pub point: PointId,
    /// The registry kind of the record linked to it.
    pub kind: RegistryKind,
    /// The record's status.
    pub status: RecordStatus,
    /// The town code (for an outlet, its enterprise's town), if known.
    pub town: Option<String>,
    /// The water body's code, for a section.
    pub water_body: Option<String>,
    /// The water body's kind, for a section.
    pub water_body_kind: Option<WaterBodyKind>,
    /// Whether it is a drinking-water source section (饮用水水源地).
    #[serde(default)]
    pub drinking_source: bool,
    /// The class a section must meet (水质目标, GB 3838-2002 §3 and §5.1);
    /// `None` for other kinds.
    #[serde(default)]
    pub target: Option<WaterTarget>,
}

/// Storage of the registry. Every change is audited in its own transaction.
pub trait RegistryStore: Send + Sync {
    /// The records of `kind` (active and retired), ordered by key.
    fn registry_records(&self, kind: RegistryKind) -> Result<Vec<RegistryRecord>>;

    /// The record of `kind` with this key, if any.
    fn registry_record(&self, kind: RegistryKind, key: &str) -> Result<Option<RegistryRecord>>;

    /// Applies `changes` in order in one transaction, with one audit entry
    /// (by `actor`, at `at`) per record created or changed, and returns once
    /// it is committed. A change equal to the stored record writes nothing.
    ///
    /// Linked points, devices and outlet point limits are updated in the same
    /// transaction (see the module doc). Fails without changing anything with
    /// [`crate::Error::NotFound`] if an outlet's enterprise, a limit's permit
    /// or outlet, or a device's point is not stored (or earlier in `changes`).
    fn apply_registry(
        &self,
        changes: &[RegistryChange],
        actor: &str,
        at: Instant,
    ) -> Result<ApplyReport>;

    /// The town and water body of every point linked to a registry record,
    /// and a section's target class and whether it is a drinking-water source.
    ///
    /// Written once for both backends: it decodes the records
    /// [`RegistryStore::registry_records`] returns.
    fn sites(&self) -> Result<Vec<SiteInfo>> {
        let towns_of_enterprises: std::collections::HashMap<String, String> = self
            .registry_records(RegistryKind::Enterprise)?
            .into_iter()
            .filter_map(|record| match record.entity {
                RegistryEntity::Enterprise(enterprise) => {
                    Some((enterprise.uscc.to_string(), enterprise.town))
                }
                _ => None,
            })
            .collect();
        let body_kinds: std::collections::HashMap<String, WaterBodyKind> = self
            .registry_records(RegistryKind::WaterBody)?
            .into_iter()
            .filter_map(|record| match record.entity {
                RegistryEntity::WaterBody(body) => Some((body.code, body.kind)),
                _ => None,
            })
            .collect();
        let mut sites = Vec::new();
        for kind in [
            RegistryKind::Section,
            RegistryKind::AirStation,
            RegistryKind::NoisePoint,
            RegistryKind::Outlet,
        ] {
            for record in self.registry_records(kind)? {
                let Some(point) = record.point else { continue };
                let (drinking_source, target) = match &record.entity {
                    RegistryEntity::Section(section) => {
                        (section.drinking_source, Some(section.target))
                    }
                    _ => (false, None),
                };
                let (town, water_body) = match &record.entity {
                    RegistryEntity::Section(section) => {
                        (Some(section.town.clone()), Some(section.water_body.clone()))
                    }
                    RegistryEntity::AirStation(station) => (Some(station.town.clone()), None),
                    RegistryEntity::NoisePoint(noise) => (Some(noise.town.clone()), None),
                    RegistryEntity::Outlet(outlet) => {
                        (towns_of_enterprises.get(outlet.enterprise.as_str()).cloned(), None)
                    }
                    _ => (None, None),
                };
                let water_body_kind =
                    water_body.as_ref().and_then(|code| body_kinds.get(code).copied());
                sites.push(SiteInfo {
                    point,
                    kind,
                    status: record.status,
                    town,
                    water_body,
                    water_body_kind,
                    drinking_source,
                    target,
                });
            }
        }
        sites.sort_by_key(|site| site.point);
        Ok(sites)
    }
}
