//! Ambient quality: an air station's hourly AQI above 100, 200 or 300
//! ([`Rule::AqiHigh`]), a section worse than its target class
//! ([`Rule::WaterBelowTarget`]), a drinking-water source worse than its own
//! target class ([`Rule::DrinkingWaterBelowIii`]: II for a class-1 protection
//! zone, III for a class-2 zone, never more lenient than III; the stored rule
//! code keeps its historical name), and a pollutant rising sharply from
//! the upstream to the downstream section ([`Rule::UpstreamDownstreamRise`]).
//!
//! These read the evaluator's derived results (`air_hourly`, `water_daily`),
//! so the AQI and the class are exactly what the standards engine says.

use model::alarm::{Rule, Severity};
use model::{Instant, PointId};
use serde_json::{Value, json};
use standards::water::WaterClass;
use store::DerivedResult;

use super::{Judged, key, round6};
use crate::config::RuleConfig;
use crate::site::SiteContext;

/// [`Rule::AqiHigh`] for one hourly AQI result: info above the first
/// threshold, warning above the second, critical above the third. An hour
/// without an AQI (too few pollutants) says nothing.
pub fn aqi_high(result: &DerivedResult, config: &RuleConfig) -> Judged {
    let mut judged = Judged::default();
    let Some(aqi) = result.detail["aqi"].as_u64() else { return judged };
    let [info, warning, critical] = config.aqi_thresholds.map(u64::from);
    let severity = if aqi > critical {
        Some(Severity::Critical)
    } else if aqi > warning {
        Some(Severity::Warning)
    } else if aqi > info {
        Some(Severity::Info)
    } else {
        None
    };
    let window = (result.start, super::plus_ms(result.start, 3_600_000));
    let evidence = severity.map(|severity| {
        (
            severity,
            json!({
                "aqi": aqi,
                "hour": result.period,
                "level_zh": result.detail["level_zh"],
                "primary": result.detail["primary"],
                "thresholds": config.aqi_thresholds,
                "edition": result.edition,
            }),
        )
    });
    judged.window(key(result.point, Rule::AqiHigh, ""), window, evidence);
    judged
}

/// The class of a derived water result, if it has one.
pub fn water_class(result: &DerivedResult) -> Option<WaterClass> {
    result.detail["class"].as_str().and_then(|label| WaterClass::parse(label).ok())
}

/// [`Rule::WaterBelowTarget`] and [`Rule::DrinkingWaterBelowIii`] for one
/// daily water result of a section with `site`'s context. Silent when the
/// context sets no target and the section is no drinking-water source.
pub fn water_targets(result: &DerivedResult, site: &SiteContext) -> Judged {
    let mut judged = Judged::default();
    let Some(class) = water_class(result) else { return judged };
    let window = (result.start, super::plus_ms(result.start, 86_400_000));
    let evidence = |target: WaterClass| {
        json!({
            "date": result.period,
            "class": class.label(),
            "class_zh": class.zh_label(),
            "target": target.label(),
            "target_zh": target.zh_label(),
            "deciding_items": result.detail["deciding_items"],
            "main_pollutants": result.detail["main_pollutants"],
            "edition": result.edition,
        })
    };
    if let Some(target) = site.target_class {
        let verdict = (!class.meets(target)).then(|| (Severity::Warning, evidence(target)));
        judged.window(key(result.point, Rule::WaterBelowTarget, ""), window, verdict);
    }
    if site.drinking_water_source {
        let target = drinking_target(site);
        let verdict = (!class.meets(target)).then(|| (Severity::Critical, evidence(target)));
        judged.window(key(result.point, Rule::DrinkingWaterBelowIii, ""), window, verdict);
    }
    judged
}

/// The class a drinking-water source must meet (GB 3838-2002 §3): its target
/// class, but never more lenient than III; III when the registry gives none.
pub fn drinking_target(site: &SiteContext) -> WaterClass {
    site.target_class.map_or(WaterClass::III, |target| target.min(WaterClass::III))
}

/// The measured value of each item (by HJ 212 code) in a derived water result.
fn item_values(result: &DerivedResult) -> Vec<(String, f64)> {
    result.detail["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let code = item["code"].as_str()?;
                    let value = match &item["value"] {
                        Value::Number(number) => number.as_f64()?,
                        _ => return None,
                    };
                    Some((code.to_owned(), value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// [`Rule::UpstreamDownstreamRise`]: each item whose daily mean at the
/// downstream section is above the upstream section's mean of the same day
/// times `rise_ratio` (and above zero upstream). Items measured at both and
/// not rising clear.
pub fn upstream_downstream(
    downstream: &DerivedResult,
    upstream: &DerivedResult,
    upstream_point: PointId,
    config: &RuleConfig,
) -> Judged {
    let mut judged = Judged::default();
    if downstream.start != upstream.start {
        return judged;
    }
    let window: (Instant, Instant) =
        (downstream.start, super::plus_ms(downstream.start, 86_400_000));
    let upstream_values = item_values(upstream);
    for (code, down) in item_values(downstream) {
        let Some(&(_, up)) = upstream_values.iter().find(|(up_code, _)| *up_code == code) else {
            continue;
        };
        let verdict = (up > 0.0 && down > up * config.rise_ratio).then(|| {
            (
                Severity::Warning,
                json!({
                    "date": downstream.period,
                    "item": code,
                    "upstream_point": upstream_point,
                    "upstream": up,
                    "downstream": down,
                    "ratio": round6(down / up),
                    "rise_ratio": config.rise_ratio,
                }),
            )
        });
        judged.window(key(downstream.point, Rule::UpstreamDownstreamRise, &code), window, verdict);
    }
    judged
}
