//! Checks on what users enter (a value with its evidence, a city-assigned
//! figure with its document) before it reaches the store, and the
//! configuration of the plan service.

use serde::{Deserialize, Serialize};
use store::{CityTarget, NewCityTarget, NewPlanValue, PlanValue, Store};

use crate::file::{Plan, Source, Target};
use crate::site::{Site, SiteKind};
use crate::{Error, Result};

/// Largest evidence document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// Years a value may be entered for: from the baseline year to ten years
/// after the target year (the 2035 vision).
pub fn check_year(plan: &Plan, year: i32) -> Result<()> {
    if (plan.baseline_year..=plan.target_year + 10).contains(&year) {
        Ok(())
    } else {
        Err(Error::YearOutOfRange(year))
    }
}

/// A refusal of `field`, in English and Chinese.
fn invalid(
    indicator: &str,
    field: &'static str,
    message: impl Into<String>,
    message_zh: impl Into<String>,
) -> Error {
    Error::InvalidEntry {
        indicator: indicator.to_owned(),
        field,
        message: message.into(),
        message_zh: message_zh.into(),
    }
}

fn check_document(
    indicator: &str,
    field: &'static str,
    document: &store::NewPlanDocument,
) -> Result<()> {
    if document.bytes.is_empty() {
        return Err(invalid(indicator, field, "the document is empty", "证明文件是空的"));
    }
    if document.bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(invalid(
            indicator,
            field,
            format!("{} bytes is more than {MAX_DOCUMENT_BYTES}", document.bytes.len()),
            format!("证明文件太大：{} 字节，上限 {MAX_DOCUMENT_BYTES} 字节", document.bytes.len()),
        ));
    }
    if document.file_name.trim().is_empty() {
        return Err(invalid(
            indicator,
            field,
            "the document has no file name",
            "证明文件没有文件名",
        ));
    }
    Ok(())
}

/// Checks `value` against the plan, then stores it as a new version by `actor`.
pub fn enter_value(
    store: &dyn Store,
    plan: &Plan,
    value: &NewPlanValue,
    actor: &str,
    at: model::Instant,
) -> Result<PlanValue> {
    let id = value.indicator.as_str();
    let indicator = plan.indicator(id).ok_or_else(|| Error::UnknownIndicator(id.to_owned()))?;
    if value.plan != plan.id {
        return Err(invalid(
            id,
            "plan",
            format!("{:?} is not {:?}", value.plan, plan.id),
            format!("规划 {:?} 不是 {:?}", value.plan, plan.id),
        ));
    }
    if !matches!(indicator.source, Source::Entered) {
        return Err(invalid(
            id,
            "value",
            "this indicator is computed from monitoring data",
            "该指标由监测数据自动计算，不能填报",
        ));
    }
    check_year(plan, value.year)?;
    if !value.value.is_finite() {
        return Err(invalid(id, "value", "not a finite number", "不是有效数值"));
    }
    if matches!(indicator.target, Target::Qualitative { .. }) && ![0.0, 1.0].contains(&value.value)
    {
        return Err(invalid(
            id,
            "value",
            "a qualitative indicator takes 1 (achieved) or 0",
            "定性指标只能填 1（已完成）或 0（未完成）",
        ));
    }
    if indicator.unit == "%" && !(-100.0..=100.0).contains(&value.value) {
        return Err(invalid(
            id,
            "value",
            format!("{} is not a percentage", value.value),
            format!("百分比应在 -100 到 100 之间，{} 不在其中", value.value),
        ));
    }
    if let Some(document) = &value.document {
        check_document(id, "document", document)?;
    }
    Ok(store.enter_plan_value(value, actor, at)?)
}

/// Checks `target` against the plan (a "meet the city's target" indicator,
/// with its document), then stores it as a new version by `actor`.
pub fn set_city_target(
    store: &dyn Store,
    plan: &Plan,
    target: &NewCityTarget,
    actor: &str,
    at: model::Instant,
) -> Result<CityTarget> {
    let id = target.indicator.as_str();
    let indicator = plan.indicator(id).ok_or_else(|| Error::UnknownIndicator(id.to_owned()))?;
    if target.plan != plan.id {
        return Err(invalid(
            id,
            "plan",
            format!("{:?} is not {:?}", target.plan, plan.id),
            format!("规划 {:?} 不是 {:?}", target.plan, plan.id),
        ));
    }
    if !matches!(indicator.target, Target::CityAssigned { .. }) {
        return Err(invalid(
            id,
            "target",
            "this indicator's target is in the plan, not assigned by the city",
            "该指标的目标由规划确定，不由市里下达",
        ));
    }
    if !target.value.is_finite() {
        return Err(invalid(id, "value", "not a finite number", "不是有效数值"));
    }
    check_document(id, "document", &target.document)?;
    Ok(store.set_city_target(target, actor, at)?)
}

/// Where the monitoring sites come from (the binary wires the registry here).
pub trait SiteSource: Send + Sync {
    /// The sites now.
    fn sites(&self, store: &dyn Store) -> Result<Vec<Site>>;
}

/// Sites from the store's points ([`Site::from_points`]), until the
/// registry supplies rivers, main streams and drinking-water sources.
#[derive(Debug, Clone, Copy, Default)]
pub struct PointSites;

impl SiteSource for PointSites {
    fn sites(&self, store: &dyn Store) -> Result<Vec<Site>> {
        Ok(Site::from_points(&store.points()?))
    }
}

/// Sites from the registry (issue #3): the district's national and provincial
/// air stations (micro-stations are not counted, HJ 663 evaluates control
/// stations), and every active surface-water section with its water body's
/// name as the river and its drinking-water flag. Each registered water body
/// is one river's main stream (tributaries are registered as water bodies of
/// their own), so every section is on its river's main stream. A point with
/// no active registry record is not a site; a store whose registry has no
/// station or section at all falls back to [`PointSites`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistrySites;

impl SiteSource for RegistrySites {
    fn sites(&self, store: &dyn Store) -> Result<Vec<Site>> {
        use model::registry::{AirStationLevel, RecordStatus};
        use store::{RegistryEntity, RegistryKind};
        let active = |kind| -> Result<Vec<store::RegistryRecord>> {
            Ok(store
                .registry_records(kind)?
                .into_iter()
                .filter(|record| record.status == RecordStatus::Active)
                .collect())
        };
        let rivers: std::collections::HashMap<String, String> = active(RegistryKind::WaterBody)?
            .into_iter()
            .filter_map(|record| match record.entity {
                RegistryEntity::WaterBody(body) => Some((body.code, body.name)),
                _ => None,
            })
            .collect();
        let mut sites = Vec::new();
        for record in
            active(RegistryKind::AirStation)?.into_iter().chain(active(RegistryKind::Section)?)
        {
            let Some(point) = record.point else { continue };
            match record.entity {
                RegistryEntity::AirStation(station) if station.level != AirStationLevel::Micro => {
                    sites.push(Site {
                        point,
                        code: station.code,
                        name: station.name,
                        kind: SiteKind::AirStation,
                        river: None,
                        main_stream: false,
                        drinking_source: false,
                    });
                }
                RegistryEntity::Section(section) => sites.push(Site {
                    point,
                    code: section.code,
                    name: section.name,
                    kind: SiteKind::WaterSection,
                    river: rivers.get(&section.water_body).cloned(),
                    main_stream: true,
                    drinking_source: section.drinking_source,
                }),
                _ => {}
            }
        }
        if sites.is_empty() {
            return PointSites.sites(store);
        }
        sites.sort_by_key(|site| site.point);
        Ok(sites)
    }
}

/// Settings of the plan, `[plan]` in the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    /// A plan file (TOML) to use instead of the shipped
    /// 五通桥区“十四五” plan; empty for the shipped one.
    pub file: String,
}
