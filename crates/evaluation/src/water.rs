//! Surface-water sections: class per Beijing day and per Beijing month
//! (GB 3838-2002; 2011 evaluation method), from stored HJ 212 hour data.
//!
//! Each stored hour is one sample; a period's class is the single-factor
//! class of the period means of its samples (`classify_period`).
//!
//! The water body decides the TP limits and whether TN is assessed
//! (GB 3838-2002 table 1, items 8 and 9): each section is judged as its
//! registry water body says ([`store::RegistryStore::sites`]), lakes and
//! reservoirs with the lake limits. A section the registry does not know (or
//! whose water body has no kind) is judged as a river, and its result says so
//! (`"water_body_from_registry": false`). A drinking-water source section
//! (饮用水水源地) is also checked against the table 2 supplementary items and
//! its drinking target (GB 3838-2002 §5.3, `check_drinking_source`).
//!
//! Target attainment (GB 3838-2002 §5.1: a section is evaluated against the
//! class its water function requires): each result carries the section's
//! registry target (`target`, `target_zh`), whether the class meets it
//! (`meets_target`) and the items worse than it (`items_over_target`). A
//! drinking-water source is checked against its own target (a class-1
//! protection zone is registered with target II, a class-2 zone with III,
//! `water-gb3838.md` §1), never against a class more lenient than III (the
//! worst class a drinking-water source may have, GB 3838-2002 §3); a section
//! the registry gives no target has no attainment (`target: null`) and, as a
//! drinking-water source, is checked against class III as before.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use model::registry::{WaterBodyKind, WaterTarget};
use model::{BeijingTime, DataKind, Instant, PointId};
use serde_json::{Value, json};
use standards::water::{
    Decimal, DrinkingSourceCheck, DrinkingSourceOptions, PeriodClass, PeriodOptions, SampleClass,
    WaterBody, WaterClass, WaterItem, WaterValue, check_drinking_source, classify_period,
};
use store::{DerivedKind, DerivedResult, ReadingQuery, Store};

use crate::Result;

/// The edition recorded on water results.
pub(crate) const EDITION: &str = "GB 3838-2002";

/// Most hour readings a month of one section may hold (31 days, generously many items).
const MAX_READINGS: usize = 31 * 24 * 64;

/// What the registry says about a section that changes how it is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SectionSite {
    /// The water body's kind, if the registry knows it.
    pub(crate) kind: Option<WaterBodyKind>,
    /// A drinking-water source section.
    pub(crate) drinking_source: bool,
    /// The class it must meet, if the registry gives one.
    pub(crate) target: Option<WaterClass>,
}

impl SectionSite {
    /// The GB 3838 water body: lakes and reservoirs share their limits;
    /// unknown is judged as a river.
    pub(crate) fn body(self) -> WaterBody {
        match self.kind {
            Some(WaterBodyKind::Lake | WaterBodyKind::Reservoir) => WaterBody::LakeReservoir,
            Some(WaterBodyKind::River) | None => WaterBody::River,
        }
    }

    /// The class a drinking-water source is checked against: its target,
    /// but never more lenient than III (GB 3838-2002 §3); III without a target.
    pub(crate) fn drinking_target(self) -> WaterClass {
        self.target.map_or(WaterClass::III, |target| target.min(WaterClass::III))
    }
}

/// The GB 3838 class of a registry target.
pub(crate) fn target_class(target: WaterTarget) -> WaterClass {
    match target {
        WaterTarget::I => WaterClass::I,
        WaterTarget::II => WaterClass::II,
        WaterTarget::III => WaterClass::III,
        WaterTarget::IV => WaterClass::IV,
        WaterTarget::V => WaterClass::V,
    }
}

/// The assessed items of `sample` whose class is worse than `target`, by short name.
pub(crate) fn items_over(sample: &SampleClass, target: WaterClass) -> Vec<&'static str> {
    sample
        .items
        .iter()
        .filter(|item| item.assessed && item.class.is_some_and(|class| !class.meets(target)))
        .map(|item| item.item.short_name())
        .collect()
}

/// Target attainment fields of a section's class (`target`, `target_zh`,
/// `meets_target`, `items_over_target`); all null or empty without a target.
pub(crate) fn attainment_json(sample: &SampleClass, target: Option<WaterClass>) -> Value {
    json!({
        "target": target.map(WaterClass::label),
        "target_zh": target.map(WaterClass::zh_label),
        "meets_target": target.and_then(|target| sample.meets(target)),
        "items_over_target": target.map(|target| items_over(sample, target)).unwrap_or_default(),
    })
}

/// The registry's sections by point, read once per pass.
pub(crate) fn section_sites(store: &dyn Store) -> Result<HashMap<PointId, SectionSite>> {
    Ok(store
        .sites()?
        .into_iter()
        .filter(|site| site.kind == store::RegistryKind::Section)
        .map(|site| {
            let section = SectionSite {
                kind: site.water_body_kind,
                drinking_source: site.drinking_source,
                target: site.target.map(target_class),
            };
            (site.point, section)
        })
        .collect())
}

/// One section's samples in `from..to`: one per stored hour, each with its
/// usable item values (a flagged value or one that is not a number is left
/// out, never taken as zero). At most `limit` readings are read.
pub(crate) fn load_samples(
    store: &dyn Store,
    point: PointId,
    from: Instant,
    to: Instant,
    limit: usize,
) -> Result<Vec<Vec<(WaterItem, WaterValue)>>> {
    let readings = store.readings(&ReadingQuery {
        point,
        kind: DataKind::Hour,
        params: Vec::new(),
        from,
        to,
        limit,
    })?;
    let mut samples: BTreeMap<Instant, Vec<(WaterItem, WaterValue)>> = BTreeMap::new();
    for reading in &readings {
        let Ok(item) = WaterItem::parse(reading.key.param.as_str()) else { continue };
        let value = if reading.values.is_usable() {
            reading.values.representative(DataKind::Hour).and_then(WaterValue::from_f64)
        } else {
            None
        };
        if let Some(value) = value {
            samples.entry(reading.key.data_time).or_default().push((item, value));
        }
    }
    Ok(samples.into_values().collect())
}

/// Recomputes the class of one section on one Beijing day.
pub(crate) fn derive_day(
    store: &dyn Store,
    site: SectionSite,
    point: PointId,
    date: NaiveDate,
    now: Instant,
) -> Result<Vec<DerivedResult>> {
    let Some(start) = date.and_hms_opt(0, 0, 0) else { return Ok(Vec::new()) };
    let from = BeijingTime(start).to_instant();
    let to = Instant(from.0 + Duration::days(1));
    let label = date.to_string();
    Ok(derive(store, site, point, from, to, DerivedKind::WaterDaily, label, now)?
        .into_iter()
        .collect())
}

/// Recomputes the class of one section in one Beijing month.
pub(crate) fn derive_month(
    store: &dyn Store,
    site: SectionSite,
    point: PointId,
    year: i32,
    month: u32,
    now: Instant,
) -> Result<Vec<DerivedResult>> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { return Ok(Vec::new()) };
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let (Some(start), Some(end)) =
        (first.and_hms_opt(0, 0, 0), next.and_then(|next| next.and_hms_opt(0, 0, 0)))
    else {
        return Ok(Vec::new());
    };
    let from = BeijingTime(start).to_instant();
    let to = BeijingTime(end).to_instant();
    let label = format!("{year:04}-{month:02}");
    Ok(derive(store, site, point, from, to, DerivedKind::WaterMonthly, label, now)?
        .into_iter()
        .collect())
}

#[allow(clippy::too_many_arguments, reason = "one private call shape for day and month")]
fn derive(
    store: &dyn Store,
    site: SectionSite,
    point: PointId,
    from: Instant,
    to: Instant,
    kind: DerivedKind,
    period: String,
    now: Instant,
) -> Result<Option<DerivedResult>> {
    let samples = load_samples(store, point, from, to, MAX_READINGS)?;
    if samples.is_empty() {
        return Ok(None);
    }
    let body = site.body();
    let result = classify_period(&samples, body, &PeriodOptions::default());
    let mut detail = detail_json(&result);
    if let Value::Object(map) = &mut detail {
        let field = if kind == DerivedKind::WaterMonthly { "month" } else { "date" };
        map.insert(field.to_owned(), json!(period));
        let water_body = site.kind.map_or("river", |kind| kind.as_str());
        map.insert("water_body".to_owned(), json!(water_body));
        map.insert(
            "water_body_zh".to_owned(),
            json!(site.kind.map_or("河流", |kind| kind.label_zh())),
        );
        map.insert("water_body_from_registry".to_owned(), json!(site.kind.is_some()));
        if let Value::Object(attainment) = attainment_json(&result.class, site.target) {
            map.extend(attainment);
        }
        map.insert("drinking_source".to_owned(), json!(site.drinking_source));
        if site.drinking_source {
            let means: Vec<(WaterItem, WaterValue)> =
                result.means.iter().map(|mean| (mean.item, mean.value)).collect();
            let options = DrinkingSourceOptions {
                target: site.drinking_target(),
                ..DrinkingSourceOptions::default()
            };
            let check = check_drinking_source(&means, body, &options);
            map.insert("drinking_source_check".to_owned(), drinking_json(&check, options.target));
        }
    }
    Ok(Some(DerivedResult {
        kind,
        point,
        start: from,
        period,
        edition: EDITION.to_owned(),
        detail,
        computed_at: now,
    }))
}

pub(crate) fn decimal(value: Decimal) -> f64 {
    value.to_f64()
}

pub(crate) fn value_json(value: WaterValue) -> Value {
    match value {
        WaterValue::Measured(value) => json!(decimal(value)),
        WaterValue::NotDetected { detection_limit } => {
            json!({ "not_detected": true, "detection_limit": decimal(detection_limit) })
        }
    }
}

/// The period class in the standard's vocabulary.
fn detail_json(result: &PeriodClass) -> Value {
    let sample = &result.class;
    let items: Vec<Value> = sample
        .items
        .iter()
        .map(|item| {
            let n_values = result
                .means
                .iter()
                .find(|mean| mean.item == item.item)
                .map_or(0, |mean| mean.n_values);
            json!({
                "item": item.item.short_name(),
                "code": item.item.hj212_code(),
                "name_zh": item.item.zh_name(),
                "value": value_json(item.value),
                "class": item.class.map(|class| class.label()),
                "assessed": item.assessed,
                "multiple_vs_iii": item.multiple_vs_iii.map(decimal),
                "n_values": n_values,
            })
        })
        .collect();
    let main_pollutants: Vec<Value> = sample
        .main_pollutants
        .iter()
        .map(|main| {
            json!({
                "item": main.item.short_name(),
                "class": main.class.label(),
                "multiple_vs_iii": main.multiple_vs_iii.map(decimal),
            })
        })
        .collect();
    let short = |items: &[WaterItem]| -> Vec<&'static str> {
        items.iter().map(|item| item.short_name()).collect()
    };
    json!({
        "class": sample.class.map(|class| class.label()),
        "class_zh": sample.class.map(|class| class.zh_label()),
        "status_zh": sample.class.map(|class| class.status().zh()),
        "deciding_items": short(&sample.deciding_items),
        "main_pollutants": main_pollutants,
        "items": items,
        "missing_items": short(&sample.missing_items),
        "n_samples": result.n_samples,
        "edition": EDITION,
    })
}

/// A drinking-water source check on the period means against `target`
/// (GB 3838-2002 §5.3): which table 1 items are worse than the target and
/// which table 2 items are over their limits.
fn drinking_json(check: &DrinkingSourceCheck, target: WaterClass) -> Value {
    let supplementary: Vec<Value> = check
        .supplementary
        .iter()
        .map(|result| {
            json!({
                "item": result.item.short_name(),
                "code": result.item.hj212_code(),
                "name_zh": result.item.zh_name(),
                "value": value_json(result.value),
                "limit": decimal(result.limit),
                "meets": result.meets,
            })
        })
        .collect();
    let missing: Vec<&str> =
        check.missing_supplementary.iter().map(|item| item.short_name()).collect();
    let supplementary_over: Vec<&str> = check
        .supplementary
        .iter()
        .filter(|result| result.meets == Some(false))
        .map(|result| result.item.short_name())
        .collect();
    json!({
        "target": target.label(),
        "target_zh": target.zh_label(),
        "table_1_class": check.table_1.class.map(WaterClass::label),
        "table_1_meets": check.table_1_meets,
        "items_over_target": items_over(&check.table_1, target),
        "supplementary_over_limit": supplementary_over,
        "supplementary": supplementary,
        "missing_supplementary": missing,
        "meets": check.meets,
    })
}
