//! Checks on what users enter (a value with its evidence, a city-assigned
//! figure with its document) before it reaches the store, and the
//! configuration of the plan service.

use serde::{Deserialize, Serialize};
use store::{CityTarget, NewCityTarget, NewPlanValue, PlanValue, Store};

use crate::file::{Plan, Source, Target};
use crate::site::Site;
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

fn invalid(indicator: &str, field: &'static str, message: impl Into<String>) -> Error {
    Error::InvalidEntry { indicator: indicator.to_owned(), field, message: message.into() }
}

fn check_document(
    indicator: &str,
    field: &'static str,
    document: &store::NewPlanDocument,
) -> Result<()> {
    if document.bytes.is_empty() {
        return Err(invalid(indicator, field, "the document is empty"));
    }
    if document.bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(invalid(
            indicator,
            field,
            format!("{} bytes is more than {MAX_DOCUMENT_BYTES}", document.bytes.len()),
        ));
    }
    if document.file_name.trim().is_empty() {
        return Err(invalid(indicator, field, "the document has no file name"));
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
        return Err(invalid(id, "plan", format!("{:?} is not {:?}", value.plan, plan.id)));
    }
    if !matches!(indicator.source, Source::Entered) {
        return Err(invalid(id, "value", "this indicator is computed from monitoring data"));
    }
    check_year(plan, value.year)?;
    if !value.value.is_finite() {
        return Err(invalid(id, "value", "not a finite number"));
    }
    if matches!(indicator.target, Target::Qualitative { .. }) && ![0.0, 1.0].contains(&value.value)
    {
        return Err(invalid(id, "value", "a qualitative indicator takes 1 (achieved) or 0"));
    }
    if indicator.unit == "%" && !(-100.0..=100.0).contains(&value.value) {
        return Err(invalid(id, "value", format!("{} is not a percentage", value.value)));
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
        return Err(invalid(id, "plan", format!("{:?} is not {:?}", target.plan, plan.id)));
    }
    if !matches!(indicator.target, Target::CityAssigned { .. }) {
        return Err(invalid(
            id,
            "target",
            "this indicator's target is in the plan, not assigned by the city",
        ));
    }
    if !target.value.is_finite() {
        return Err(invalid(id, "value", "not a finite number"));
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

/// Settings of the plan, `[plan]` in the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    /// A plan file (TOML) to use instead of the shipped
    /// 五通桥区“十四五” plan; empty for the shipped one.
    pub file: String,
}
