//! Results per area: air per town and for the whole district, water per
//! water body (river, lake, reservoir) and for the district's basin, over any
//! range of Beijing days, in the standards' vocabulary.
//!
//! Which points make an area comes from the registry
//! ([`store::RegistryStore::sites`]): a town's air stations are the active
//! national and provincial stations the registry places in it (micro-stations
//! are not assessment stations); a water body's sections are the active
//! sections on it. The district holds every air station (or every section),
//! registered or not, except those the registry has retired.
//!
//! Air ([`air_area`]): the area's hourly value of each pollutant is the
//! arithmetic mean of its stations' valid hourly values
//! ([`standards::air::district_hourly`]; the city-scale rule of HJ 663 is not
//! in our facts, so this is the documented project convention), and the
//! area's days, daily AQI and period statistics are evaluated from that
//! series exactly as a station's are (HJ 633, HJ 663, GB 3095; the edition in
//! force on each date, piecewise across a change). Each station's own period
//! statistics come alongside.
//!
//! Water ([`water_area`]): each section's class over the range is the
//! single-factor class of its period means (GB 3838-2002; 2011 method §5.2),
//! judged as its water body; the area is graded by the share of its sections
//! in each class, or, with fewer than 5 sections, by classifying the means of
//! the sections' period values (2011 method, `water-gb3838.md` §5.4,
//! [`standards::water::evaluate_river`]), with the river's main pollutants.
//! Each section's class is also judged against its registry target (target
//! attainment, GB 3838-2002 §5.1), and the area counts the sections meeting it.
//!
//! Hours are HJ 212 hour data labelled by their start (`hour_label`
//! `period_start`), as in the derived results.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use model::registry::{RecordStatus, WaterBodyKind};
use model::{BeijingTime, Instant, PointId};
use serde::Serialize;
use serde_json::{Map, Value, json};
use standards::air::{AirOptions, PeriodEvaluation, district_hourly, evaluate_station};
use standards::aqi::{Indicator, Pollutant};
use standards::edition::EditionChoice;
use standards::water::{
    PeriodOptions, RiverGrade, RiverOptions, SampleClass, WaterBody, WaterClass, WaterStatus,
    classify_period, evaluate_river, evaluate_river_by_means, river_main_pollutants,
};
use store::{PointKind, RegistryEntity, RegistryKind, Store};

use crate::air::{HOUR_LABEL, day_json, load_hours, validity_json};
use crate::water::{SectionSite, load_samples, section_sites};
use crate::{Error, Result};

/// The code of the whole district in area lists and URLs.
pub const DISTRICT: &str = "district";

/// The longest range of days one area query evaluates (a leap year).
pub const MAX_DAYS: i64 = 366;

/// What kind of area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// The whole district (全区); for water, the district's basin (流域).
    District,
    /// A town (镇/乡/街道).
    Town,
    /// A river, lake or reservoir.
    WaterBody,
}

/// A monitoring point of an area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaPoint {
    /// The point.
    pub point: PointId,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// An area and its points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Area {
    /// What kind of area.
    pub kind: AreaKind,
    /// [`DISTRICT`], the town code or the water body code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// For a water body, its kind.
    pub water_body_kind: Option<WaterBodyKind>,
    /// Its air stations or sections, by code.
    pub points: Vec<AreaPoint>,
}

impl Area {
    /// The area as listed: kind, code, name and its points.
    pub fn summary_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "water_body_kind": self.water_body_kind.map(|kind| kind.as_str()),
            "n_points": self.points.len(),
            "points": self.points,
        })
    }
}

/// Points of `kind` not retired in the registry, by code.
fn district_points(store: &dyn Store, kind: PointKind) -> Result<Vec<AreaPoint>> {
    let retired: HashSet<PointId> = store
        .sites()?
        .into_iter()
        .filter(|site| site.status == RecordStatus::Retired)
        .map(|site| site.point)
        .collect();
    let mut points: Vec<AreaPoint> = store
        .points()?
        .into_iter()
        .filter(|record| record.point.kind == kind && !retired.contains(&record.id))
        .map(|record| AreaPoint {
            point: record.id,
            code: record.point.code,
            name: record.point.name,
        })
        .collect();
    points.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(points)
}

/// Groups the active registry sites of `kind` by `key`, as points.
fn grouped(
    store: &dyn Store,
    kind: RegistryKind,
    key: impl Fn(&store::SiteInfo) -> Option<String>,
    district: &[AreaPoint],
) -> Result<HashMap<String, Vec<AreaPoint>>> {
    let by_id: HashMap<PointId, &AreaPoint> = district.iter().map(|p| (p.point, p)).collect();
    let mut groups: HashMap<String, Vec<AreaPoint>> = HashMap::new();
    for site in store.sites()? {
        if site.kind != kind || site.status != RecordStatus::Active {
            continue;
        }
        let (Some(group), Some(point)) = (key(&site), by_id.get(&site.point)) else { continue };
        groups.entry(group).or_default().push((*point).clone());
    }
    for points in groups.values_mut() {
        points.sort_by(|a, b| a.code.cmp(&b.code));
    }
    Ok(groups)
}

/// The district's area over every point of `point_kind`, then one area per
/// registry record of `group_kind` (a town or a water body) holding at least
/// one active site of `site_kind` (`key` gives a site's group), by code.
fn areas(
    store: &dyn Store,
    point_kind: PointKind,
    site_kind: RegistryKind,
    key: impl Fn(&store::SiteInfo) -> Option<String>,
    group_kind: RegistryKind,
) -> Result<Vec<Area>> {
    let district = district_points(store, point_kind)?;
    let mut groups = grouped(store, site_kind, key, &district)?;
    let mut areas = vec![Area {
        kind: AreaKind::District,
        code: DISTRICT.to_owned(),
        name: district_name(store)?,
        water_body_kind: None,
        points: district,
    }];
    for record in store.registry_records(group_kind)? {
        let (kind, water_body_kind) = match &record.entity {
            RegistryEntity::Town(_) => (AreaKind::Town, None),
            RegistryEntity::WaterBody(body) => (AreaKind::WaterBody, Some(body.kind)),
            _ => continue,
        };
        let code = record.entity.key();
        let Some(points) = groups.remove(&code) else { continue };
        let name = record.entity.name().unwrap_or_default().to_owned();
        areas.push(Area { kind, code, name, water_body_kind, points });
    }
    Ok(areas)
}

/// The areas air results are given for: the district, then each town with
/// at least one active assessment station, by code.
pub fn air_areas(store: &dyn Store) -> Result<Vec<Area>> {
    let town = |site: &store::SiteInfo| site.town.clone();
    areas(store, PointKind::AirStation, RegistryKind::AirStation, town, RegistryKind::Town)
}

/// The areas water results are given for: the district's basin, then each
/// water body with at least one active section, by code.
pub fn water_areas(store: &dyn Store) -> Result<Vec<Area>> {
    let body = |site: &store::SiteInfo| site.water_body.clone();
    areas(store, PointKind::SurfaceWater, RegistryKind::Section, body, RegistryKind::WaterBody)
}

/// The district's name as the registry's towns give it, else `全区`.
fn district_name(store: &dyn Store) -> Result<String> {
    Ok(store
        .registry_records(RegistryKind::Town)?
        .into_iter()
        .find_map(|record| match record.entity {
            RegistryEntity::Town(town) if !town.district.is_empty() => Some(town.district),
            _ => None,
        })
        .unwrap_or_else(|| "全区".to_owned()))
}

/// Every hour reading an area query over the Beijing days `from..=to`
/// reads lies in the returned `[from, to)` (air reads the day before `from`
/// too: 24-hour means and O3 8-hour windows reach back); a reading outside it
/// cannot change the result. Fails like the query for a range that is empty
/// or longer than [`MAX_DAYS`].
pub fn hours_read(from: NaiveDate, to: NaiveDate) -> Result<(Instant, Instant)> {
    n_days(from, to)?;
    let start = |date: NaiveDate| BeijingTime(date.and_time(chrono::NaiveTime::MIN)).to_instant();
    Ok((start(from - Duration::days(1)), start(to + Duration::days(1))))
}

/// The registry facts an area's results are computed from, as JSON text:
/// the area with its points, and the registry site of each point (town,
/// water body and its kind, drinking-water flag, target class). Equal texts,
/// equal inputs apart from the stored hours.
pub fn inputs(store: &dyn Store, area: &Area) -> Result<String> {
    let points: HashSet<PointId> = area.points.iter().map(|point| point.point).collect();
    let sites: Vec<store::SiteInfo> =
        store.sites()?.into_iter().filter(|site| points.contains(&site.point)).collect();
    Ok(json!({ "area": area.summary_json(), "sites": sites }).to_string())
}

/// Checks `from..=to` and returns its number of days.
fn n_days(from: NaiveDate, to: NaiveDate) -> Result<i64> {
    let n = (to - from).num_days() + 1;
    if !(1..=MAX_DAYS).contains(&n) {
        return Err(Error::Range { from, to, max_days: MAX_DAYS });
    }
    Ok(n)
}

/// The air results of `area` over the Beijing days `from..=to` (at most
/// [`MAX_DAYS`]): the area's daily AQI and period statistics from the hourly
/// mean of its stations, and each station's period statistics, each day
/// under the edition `edition` chooses (by date: the one in force, piecewise
/// across a change; or one fixed edition, for comparison).
pub fn air_area(
    store: &dyn Store,
    area: &Area,
    from: NaiveDate,
    to: NaiveDate,
    edition: EditionChoice,
) -> Result<Value> {
    let n_days = n_days(from, to)?;
    // The day before `from` too: 24-hour moving means and O3 8-hour windows reach back.
    let first_hour = (from - Duration::days(1)).and_time(chrono::NaiveTime::MIN);
    let n_hours = usize::try_from((n_days + 1) * 24).unwrap_or(usize::MAX);
    let options = AirOptions::default();
    let mut loaded = Vec::with_capacity(area.points.len());
    for point in &area.points {
        loaded.push(load_hours(store, point.point, first_hour, n_hours)?);
    }
    let mut stations = Vec::with_capacity(area.points.len());
    for (point, hours) in area.points.iter().zip(&loaded) {
        let evaluation = evaluate_station(&hours.series(first_hour), from, to, edition, &options)?;
        let n_hours_stored = hours.present[24..].iter().filter(|&&present| present).count();
        stations.push(json!({
            "point": point.point,
            "code": point.code,
            "name": point.name,
            "n_hours": n_hours_stored,
            "period": period_json(&evaluation.period),
        }));
    }
    let series: Vec<_> = loaded.iter().map(|hours| hours.series(first_hour)).collect();
    let (days, period) = if series.is_empty() {
        (Vec::new(), Value::Null)
    } else {
        let area_series = district_hourly(&series, &options)?;
        let evaluation = evaluate_station(&area_series.as_series(), from, to, edition, &options)?;
        let days = evaluation
            .days
            .iter()
            .enumerate()
            .map(|(index, day)| {
                // Hours of this day in the loaded series: the first day loaded is the day before.
                let hours = (index + 1) * 24..(index + 2) * 24;
                let n_stations = area_series
                    .n_stations
                    .iter()
                    .filter_map(|counts| counts.get(hours.clone()).and_then(|c| c.iter().max()))
                    .max()
                    .copied()
                    .unwrap_or(0);
                let mut detail = day_json(day);
                detail.insert("n_stations".to_owned(), json!(n_stations));
                Value::Object(detail)
            })
            .collect();
        (days, period_json(&evaluation.period))
    };
    Ok(json!({
        "area": area_json(area),
        "from": from.to_string(),
        "to": to.to_string(),
        "hour_label": HOUR_LABEL,
        "rule": "area hourly value = arithmetic mean of its stations' valid hourly values; days and statistics from that series (HJ 663, GB 3095, HJ 633)",
        "rule_zh": "区域小时浓度为各点位有效小时浓度的算术平均，据此计算日均值、AQI 与统计量",
        "edition_choice": match edition {
            EditionChoice::ByDate => "by_date".to_owned(),
            EditionChoice::Fixed(fixed) => fixed.to_string(),
        },
        "n_stations": area.points.len(),
        "days": days,
        "period": period,
        "stations": stations,
    }))
}

fn area_json(area: &Area) -> Value {
    json!({
        "kind": area.kind,
        "code": area.code,
        "name": area.name,
        "water_body_kind": area.water_body_kind.map(|kind| kind.as_str()),
    })
}

/// Period statistics, one piece per edition and limit set, in the
/// standard's vocabulary.
fn period_json(period: &PeriodEvaluation) -> Value {
    let pieces: Vec<Value> = period
        .pieces
        .iter()
        .map(|piece| {
            let mut pollutants = Map::new();
            for stats in &piece.pollutants {
                let name = if stats.pollutant == Pollutant::O3 {
                    Indicator::O3_8h.name()
                } else {
                    stats.pollutant.name()
                };
                pollutants.insert(
                    name.to_owned(),
                    json!({
                        "unit": stats.pollutant.unit(),
                        "validity": validity_json(stats.validity),
                        "mean": stats.mean.map(|conc| conc.to_f64()),
                        "percentile": stats.percentile.map(|conc| conc.to_f64()),
                        "percentile_percent": stats.percentile_percent,
                        "days_over_class1": stats.days_over_class1,
                        "days_over_class2": stats.days_over_class2,
                        "class2_complies": stats.class2.complies,
                        "class1_complies": stats.class1.complies,
                    }),
                );
            }
            let days = &piece.days;
            let primary: Map<String, Value> = Indicator::ALL
                .iter()
                .map(|indicator| {
                    (indicator.name().to_owned(), json!(days.n_primary[indicator.index()]))
                })
                .collect();
            let sub_index: Map<String, Value> = Pollutant::ALL
                .iter()
                .map(|p| {
                    let milli = piece.composite.sub_index_milli[p.index()];
                    (p.name().to_owned(), json!(milli.map(permille_value)))
                })
                .collect();
            let main: Vec<&str> = Pollutant::ALL
                .into_iter()
                .filter(|p| piece.composite.main.contains(*p))
                .map(Pollutant::name)
                .collect();
            json!({
                "edition": piece.edition.to_string(),
                "limits": piece.limits.name(),
                "from": piece.from.to_string(),
                "to": piece.to.to_string(),
                "pollutants": pollutants,
                "days": {
                    "n_days": days.n_days,
                    "n_aqi_days": days.n_aqi_days,
                    "by_level": days.by_level,
                    "n_good": days.n_good,
                    "n_over": days.n_over,
                    "n_heavy": days.n_heavy,
                    "n_severe": days.n_severe,
                    "good_ratio_percent": days.good_ratio_permille().map(|p| p as f64 / 10.0),
                    "heavy_ratio_percent": days.heavy_ratio_permille().map(|p| p as f64 / 10.0),
                    "n_exceedance_class2": days.n_exceedance_class2,
                    "n_exceedance_class1": days.n_exceedance_class1,
                    "n_primary": primary,
                },
                "composite_index": {
                    "total": piece.composite.total_milli.map(permille_value),
                    "sub_index": sub_index,
                    "main": main,
                },
            })
        })
        .collect();
    json!({ "piecewise": period.is_piecewise(), "pieces": pieces })
}

/// A value in thousandths as a number.
fn permille_value(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

/// The water results of `area` over the Beijing days `from..=to` (at most
/// [`MAX_DAYS`]): each section's period class and the area's grade by the
/// shares of its sections in each class.
pub fn water_area(store: &dyn Store, area: &Area, from: NaiveDate, to: NaiveDate) -> Result<Value> {
    let n_days = n_days(from, to)?;
    let start = |date: NaiveDate| BeijingTime(date.and_time(chrono::NaiveTime::MIN)).to_instant();
    let (from_instant, to_instant): (Instant, Instant) =
        (start(from), start(to + Duration::days(1)));
    let limit = usize::try_from(n_days * 24 * 64).unwrap_or(usize::MAX);
    let sites = section_sites(store)?;
    let options = PeriodOptions::default();
    let mut sections = Vec::with_capacity(area.points.len());
    let mut classes: Vec<WaterClass> = Vec::new();
    let mut sample_classes: Vec<SampleClass> = Vec::new();
    let mut section_means: Vec<Vec<_>> = Vec::new();
    let mut bodies: HashSet<WaterBody> = HashSet::new();
    let (mut n_with_target, mut n_meeting_target) = (0_usize, 0_usize);
    for point in &area.points {
        let site: SectionSite = sites.get(&point.point).copied().unwrap_or_default();
        let samples = load_samples(store, point.point, from_instant, to_instant, limit)?;
        let mut section = json!({
            "point": point.point,
            "code": point.code,
            "name": point.name,
            "water_body": site.kind.map_or("river", |kind| kind.as_str()),
            "n_samples": samples.len(),
        });
        if !samples.is_empty() {
            let body = site.body();
            bodies.insert(body);
            let result = classify_period(&samples, body, &options);
            if let (Some(class), Value::Object(map)) = (result.class.class, &mut section) {
                classes.push(class);
                map.insert("class".to_owned(), json!(class.label()));
                map.insert("class_zh".to_owned(), json!(class.zh_label()));
                let deciding: Vec<&str> =
                    result.class.deciding_items.iter().map(|item| item.short_name()).collect();
                map.insert("deciding_items".to_owned(), json!(deciding));
                if let Value::Object(attainment) =
                    crate::water::attainment_json(&result.class, site.target)
                {
                    if site.target.is_some() {
                        n_with_target += 1;
                        n_meeting_target += usize::from(attainment["meets_target"] == true);
                    }
                    map.extend(attainment);
                }
                section_means.push(
                    result.means.iter().map(|mean| (mean.item, mean.value)).collect::<Vec<_>>(),
                );
                sample_classes.push(result.class);
            }
        }
        sections.push(section);
    }
    let river = evaluate_river(&classes, &RiverOptions::default());
    let n_sections = river.n_sections;
    let shares: Vec<Value> = WaterClass::ALL
        .iter()
        .map(|class| {
            let n = river.n_by_class[class.index()];
            json!({
                "class": class.label(),
                "class_zh": class.zh_label(),
                "n_sections": n,
                "share_percent": share_percent(n, n_sections),
            })
        })
        .collect();
    let (method, status, mean_class) = match river.grade {
        RiverGrade::Graded(status) => ("shares", Some(status), None),
        RiverGrade::TooFewSections if section_means.is_empty() => ("none", None, None),
        RiverGrade::TooFewSections => {
            // A basin of lakes and rivers together is judged on the river limits.
            let body = if bodies.len() == 1 && bodies.contains(&WaterBody::LakeReservoir) {
                WaterBody::LakeReservoir
            } else {
                WaterBody::River
            };
            let by_means = evaluate_river_by_means(&section_means, body, &options);
            let class = by_means.class.class;
            ("means", class.map(WaterClass::status), class)
        }
    };
    let main_pollutants: Vec<Value> = river_main_pollutants(&sample_classes, 3)
        .iter()
        .map(|pollutant| {
            json!({
                "item": pollutant.item.short_name(),
                "name_zh": pollutant.item.zh_name(),
                "n_exceeding": pollutant.n_exceeding,
                "n_sections": pollutant.n_sections,
                "rate_percent": share_percent(pollutant.n_exceeding, pollutant.n_sections),
            })
        })
        .collect();
    Ok(json!({
        "area": area_json(area),
        "from": from.to_string(),
        "to": to.to_string(),
        "hour_label": HOUR_LABEL,
        "edition": crate::water::EDITION,
        "n_sections": area.points.len(),
        "n_sections_with_class": n_sections,
        "shares": shares,
        "n_i_to_iii": river.n_i_to_iii(),
        "share_i_to_iii_percent": share_percent(river.n_i_to_iii(), n_sections),
        "n_worse_than_v": river.n_worse_than_v(),
        "share_worse_than_v_percent": share_percent(river.n_worse_than_v(), n_sections),
        "n_sections_with_target": n_with_target,
        "n_meeting_target": n_meeting_target,
        "share_meeting_target_percent": share_percent(n_meeting_target, n_with_target),
        "method": method,
        "status": status,
        "status_zh": status.map(WaterStatus::zh),
        "colour": status.map(WaterStatus::colour),
        "class_of_means": mean_class.map(WaterClass::label),
        "main_pollutants": main_pollutants,
        "sections": sections,
    }))
}

/// `n` of `total` in percent, one decimal (half away from zero); `None` when `total` is 0.
fn share_percent(n: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| {
        let tenths = (n as u128 * 2000 + total as u128) / (2 * total as u128);
        tenths as f64 / 10.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_half_away_from_zero_to_tenths() {
        assert_eq!(share_percent(1, 3), Some(33.3));
        assert_eq!(share_percent(2, 3), Some(66.7));
        assert_eq!(share_percent(1, 8), Some(12.5));
        assert_eq!(share_percent(1, 16), Some(6.3), "6.25 rounds up");
        assert_eq!(share_percent(0, 0), None);
    }

    #[test]
    fn ranges_longer_than_a_leap_year_are_refused() {
        let day = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert_eq!(n_days(day("2024-01-01"), day("2024-12-31")).unwrap(), 366);
        assert!(n_days(day("2024-01-01"), day("2025-01-01")).is_err());
        assert!(n_days(day("2024-01-02"), day("2024-01-01")).is_err());
    }
}
