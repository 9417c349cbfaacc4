//! An indicator's value, status, trend and evidence in a year, and the
//! assessment of the whole plan: the plan file, the store's entered values
//! and city targets, and the computed metrics brought together.

use std::collections::BTreeMap;

use serde::Serialize;
use store::{CityTarget, PlanValue, Store};

use crate::file::{Attribute, Baseline, Indicator, Metric, Plan, Source, Target, Text};
use crate::metric::{self, DrillDown};
use crate::site::Site;
use crate::status::{JudgeInput, Judgement, Movement, Reason, Status, Value, change, judge};
use crate::{Error, Result};

/// What the assessment reads: the plan, the store and the sites.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The store (monitoring data, entered values, city targets).
    pub store: &'a dyn Store,
    /// The monitoring sites, with the attributes selectors use.
    pub sites: &'a [Site],
    /// The outlets' annual emission amounts (emission-reduction indicators).
    pub emissions: &'a dyn crate::emission::EmissionSource,
}

/// Which assessment a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentKind {
    /// 中期评估.
    MidTerm,
    /// 终期评估.
    Final,
    /// 年度评估: any other year.
    Annual,
}

impl AssessmentKind {
    /// The kind of `year`'s assessment under `plan`.
    pub fn of(plan: &Plan, year: i32) -> AssessmentKind {
        if year == plan.midterm_year {
            AssessmentKind::MidTerm
        } else if year == plan.target_year {
            AssessmentKind::Final
        } else {
            AssessmentKind::Annual
        }
    }

    /// Chinese and English titles.
    pub fn title(self) -> Text {
        let (zh, en) = match self {
            AssessmentKind::MidTerm => ("中期评估", "mid-term assessment"),
            AssessmentKind::Final => ("终期评估", "final assessment"),
            AssessmentKind::Annual => ("年度评估", "annual assessment"),
        };
        Text { zh: zh.to_owned(), en: en.to_owned() }
    }
}

/// The change since the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Value minus baseline (class numbers for classes).
    pub delta: f64,
    /// Towards the target or away from it.
    pub movement: Movement,
}

/// Where an indicator's figure comes from, for readers of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Computed from monitoring data.
    Computed {
        /// The metric.
        metric: Metric,
        /// Stations or sections selected.
        n_sites: usize,
        /// Of them, with data in the year.
        n_sites_with_data: usize,
    },
    /// Entered by a user.
    Entered {
        /// The current version of the entry, with its document.
        entry: Box<PlanValue>,
    },
    /// Entered source, nothing entered for the year.
    NotEntered,
    /// Computed from online-monitored outlets' emission amounts.
    Emissions {
        /// The baseline year.
        baseline_year: i32,
        /// Outlet-pollutants reporting in either year.
        n_outlets: usize,
        /// Of them, counted (enough hours in both years).
        n_outlets_counted: usize,
    },
}

impl Evidence {
    /// One line for the report, Chinese.
    pub fn summary_zh(&self) -> String {
        match self {
            Evidence::Computed { n_sites, n_sites_with_data, .. } => {
                format!("监测数据自动计算：{n_sites} 个点位，其中 {n_sites_with_data} 个有当年数据")
            }
            Evidence::Entered { entry } => {
                let document = entry.document.as_ref().map_or_else(
                    || "无证明文件".to_owned(),
                    |d| {
                        format!(
                            "证明文件《{}》SHA-256 {}",
                            d.file_name,
                            &d.sha256[..d.sha256.len().min(16)]
                        )
                    },
                );
                let note = if entry.note.is_empty() {
                    String::new()
                } else {
                    format!("；{}", entry.note)
                };
                format!("填报（第 {} 版，{}）：{document}{note}", entry.version, entry.actor)
            }
            Evidence::NotEntered => "尚未填报".to_owned(),
            Evidence::Emissions { baseline_year, n_outlets, n_outlets_counted } => format!(
                "在线监测排放量自动计算（与 {baseline_year} 年比较）：{n_outlets} 个排口·因子，其中 {n_outlets_counted} 个两年数据均有效"
            ),
        }
    }

    /// One line for the report, English.
    pub fn summary_en(&self) -> String {
        match self {
            Evidence::Computed { n_sites, n_sites_with_data, .. } => format!(
                "computed from monitoring data: {n_sites} sites, {n_sites_with_data} with data in the year"
            ),
            Evidence::Entered { entry } => {
                let document = entry.document.as_ref().map_or_else(
                    || "no document".to_owned(),
                    |d| {
                        format!(
                            "document {} (SHA-256 {})",
                            d.file_name,
                            &d.sha256[..d.sha256.len().min(16)]
                        )
                    },
                );
                format!("entered (version {}, by {}): {document}", entry.version, entry.actor)
            }
            Evidence::NotEntered => "not entered yet".to_owned(),
            Evidence::Emissions { baseline_year, n_outlets, n_outlets_counted } => format!(
                "computed from online-monitored emission amounts (compared with {baseline_year}): {n_outlets} outlet-pollutants, {n_outlets_counted} with enough data in both years"
            ),
        }
    }
}

/// One indicator in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorYear {
    /// The indicator's id (`16a`).
    pub id: String,
    /// Its category.
    pub category: Text,
    /// Its name.
    pub name: Text,
    /// Its unit.
    pub unit: String,
    /// Binding or expected.
    pub attribute: Attribute,
    /// Attribute labels.
    pub attribute_text: Text,
    /// The responsible department.
    pub department: Text,
    /// The baseline.
    pub baseline: Option<Baseline>,
    /// The baseline as text (`88.8（2020年）`, `—`).
    pub baseline_text: String,
    /// The target as text.
    pub target: Text,
    /// The city-assigned figure's current version, for city targets.
    pub city_target: Option<CityTarget>,
    /// The year.
    pub year: i32,
    /// The value.
    pub value: Option<Value>,
    /// The value as text (`—` without one).
    pub value_text: String,
    /// A value shown but not judged (the data fail the validity rule).
    pub provisional: Option<Value>,
    /// The status.
    pub status: Status,
    /// Status labels.
    pub status_text: Text,
    /// Why.
    pub reason: Reason,
    /// Reason labels.
    pub reason_text: Text,
    /// The expected value of the year on the linear path, when used.
    pub expected: Option<f64>,
    /// The change since the baseline.
    pub since_baseline: Option<Change>,
    /// Where the figure comes from.
    pub evidence: Evidence,
    /// Evidence summary labels.
    pub evidence_text: Text,
    /// Stations or sections and days (computed indicators, when asked for).
    pub drill_down: Option<DrillDown>,
}

/// The whole plan in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The plan's id.
    pub plan_id: String,
    /// The plan's title.
    pub plan_name: Text,
    /// The issuing document.
    pub issued_by: String,
    /// The year assessed.
    pub year: i32,
    /// Mid-term, final or annual.
    pub kind: AssessmentKind,
    /// The kind's title.
    pub kind_text: Text,
    /// Every indicator, in the plan's order.
    pub indicators: Vec<IndicatorYear>,
    /// How many indicators have each status, in [`Status::ALL`] order.
    pub n_by_status: Vec<(Status, usize)>,
}

/// One year of an indicator's series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The year.
    pub year: i32,
    /// The value (the baseline in the baseline year).
    pub value: Option<Value>,
    /// The status (`None` for the baseline year).
    pub status: Option<Status>,
}

/// Entered values and city targets of the plan, read once per assessment.
struct Entered {
    values: BTreeMap<(String, i32), PlanValue>,
    targets: BTreeMap<String, CityTarget>,
    /// Computed site results, shared by the indicators of one call.
    cache: std::cell::RefCell<metric::Cache>,
}

impl Entered {
    fn load(context: &Context<'_>) -> Result<Entered> {
        let values = context
            .store
            .plan_values(&context.plan.id)?
            .into_iter()
            .map(|value| ((value.indicator.clone(), value.year), value))
            .collect();
        let targets = context
            .store
            .city_targets(&context.plan.id)?
            .into_iter()
            .map(|target| (target.indicator.clone(), target))
            .collect();
        Ok(Entered { values, targets, cache: Default::default() })
    }
}

/// The raw value of an indicator in a year, before judging.
struct Raw {
    value: Option<Value>,
    missing: Reason,
    provisional: Option<Value>,
    evidence: Evidence,
    drill_down: Option<DrillDown>,
}

fn raw(context: &Context<'_>, entered: &Entered, indicator: &Indicator, year: i32) -> Result<Raw> {
    match &indicator.source {
        Source::Computed { metric, sites } => {
            let selected = sites.select(context.sites);
            let outcome = metric::compute_with(
                context.store,
                *metric,
                &selected,
                year,
                &mut entered.cache.borrow_mut(),
            )?;
            let n_sites_with_data = match &outcome.drill_down {
                DrillDown::Air { stations, .. } => {
                    stations.iter().filter(|s| !s.days.is_empty()).count()
                }
                DrillDown::Water { sections } => {
                    sections.iter().filter(|s| s.n_samples > 0).count()
                }
                DrillDown::Emissions { outlets, .. } => {
                    outlets.iter().filter(|o| o.year.is_some()).count()
                }
            };
            Ok(Raw {
                value: outcome.value,
                missing: outcome.missing.unwrap_or(Reason::NoValue),
                provisional: outcome.provisional,
                evidence: Evidence::Computed {
                    metric: *metric,
                    n_sites: selected.len(),
                    n_sites_with_data,
                },
                drill_down: Some(outcome.drill_down),
            })
        }
        Source::EmissionReduction { baseline_year, pollutants, min_coverage_percent } => {
            let outcome = crate::emission::compute(
                context.store,
                context.emissions,
                pollutants,
                *min_coverage_percent,
                *baseline_year,
                year,
            )?;
            let (n_outlets, n_outlets_counted) = match &outcome.drill_down {
                DrillDown::Emissions { outlets, .. } => {
                    (outlets.len(), outlets.iter().filter(|o| o.counted).count())
                }
                _ => (0, 0),
            };
            Ok(Raw {
                value: outcome.value,
                missing: outcome.missing.unwrap_or(Reason::NoValue),
                provisional: outcome.provisional,
                evidence: Evidence::Emissions {
                    baseline_year: *baseline_year,
                    n_outlets,
                    n_outlets_counted,
                },
                drill_down: Some(outcome.drill_down),
            })
        }
        Source::Entered => {
            let entry = entered.values.get(&(indicator.id.clone(), year));
            Ok(Raw {
                value: entry.map(|entry| Value::Number(entry.value)),
                missing: Reason::NoValue,
                provisional: None,
                evidence: entry.map_or(Evidence::NotEntered, |entry| Evidence::Entered {
                    entry: Box::new(entry.clone()),
                }),
                drill_down: None,
            })
        }
    }
}

fn baseline_value(indicator: &Indicator) -> Option<Value> {
    let baseline = indicator.baseline.as_ref()?;
    baseline.value.map(Value::Number).or(baseline.class.map(Value::Class))
}

fn baseline_text(indicator: &Indicator) -> String {
    match (&indicator.baseline, baseline_value(indicator)) {
        (Some(baseline), Some(value)) => {
            format!("{}（{}年）", value.display(indicator.decimals), baseline.year)
        }
        _ => "—".to_owned(),
    }
}

fn indicator_year(
    context: &Context<'_>,
    entered: &Entered,
    indicator: &Indicator,
    year: i32,
    with_drill_down: bool,
) -> Result<IndicatorYear> {
    let raw = raw(context, entered, indicator, year)?;
    let city_target = entered.targets.get(&indicator.id).cloned();
    let city_figure = city_target.as_ref().map(|target| target.value);
    let previous = if matches!(indicator.target, Target::StableOrImproving { .. }) {
        if indicator.baseline.as_ref().is_some_and(|b| b.year == year - 1) {
            baseline_value(indicator).and_then(|value| value.number())
        } else {
            raw_value_quietly(context, entered, indicator, year - 1)?
        }
    } else {
        None
    };
    let judgement = match raw.value {
        None => Judgement::no_data(raw.missing),
        Some(_) => judge(&JudgeInput {
            target: &indicator.target,
            city_figure,
            baseline: indicator.baseline.as_ref(),
            target_year: context.plan.target_year,
            year,
            value: raw.value,
            previous,
            decimals: indicator.decimals,
        }),
    };
    let since_baseline = match (baseline_value(indicator), raw.value) {
        (Some(from), Some(to)) => change(&indicator.target, from, to, indicator.decimals)
            .map(|(delta, movement)| Change { delta, movement }),
        _ => None,
    };
    let evidence_text = Text { zh: raw.evidence.summary_zh(), en: raw.evidence.summary_en() };
    Ok(IndicatorYear {
        id: indicator.id.clone(),
        category: indicator.category.clone(),
        name: indicator.name.clone(),
        unit: indicator.unit.clone(),
        attribute: indicator.attribute,
        attribute_text: Text {
            zh: indicator.attribute.zh().to_owned(),
            en: indicator.attribute.en().to_owned(),
        },
        department: indicator.department.clone(),
        baseline: indicator.baseline.clone(),
        baseline_text: baseline_text(indicator),
        target: indicator.target.describe(&indicator.unit, city_figure),
        city_target,
        year,
        value: raw.value,
        value_text: raw.value.map_or_else(|| "—".to_owned(), |v| v.display(indicator.decimals)),
        provisional: raw.provisional,
        status: judgement.status,
        status_text: Text {
            zh: judgement.status.zh().to_owned(),
            en: judgement.status.en().to_owned(),
        },
        reason: judgement.reason,
        reason_text: Text {
            zh: judgement.reason.zh().to_owned(),
            en: judgement.reason.en().to_owned(),
        },
        expected: judgement.expected,
        since_baseline,
        evidence: raw.evidence,
        evidence_text,
        drill_down: if with_drill_down { raw.drill_down } else { None },
    })
}

/// The numeric value of an indicator in a year, without judging.
fn raw_value_quietly(
    context: &Context<'_>,
    entered: &Entered,
    indicator: &Indicator,
    year: i32,
) -> Result<Option<f64>> {
    Ok(raw(context, entered, indicator, year)?.value.and_then(|value| value.number()))
}

fn find<'a>(plan: &'a Plan, id: &str) -> Result<&'a Indicator> {
    plan.indicator(id).ok_or_else(|| Error::UnknownIndicator(id.to_owned()))
}

/// One indicator in `year`, with its drill-down for computed indicators.
pub fn assess_indicator(context: &Context<'_>, id: &str, year: i32) -> Result<IndicatorYear> {
    let indicator = find(context.plan, id)?;
    let entered = Entered::load(context)?;
    indicator_year(context, &entered, indicator, year, true)
}

/// Every indicator in `year` (no drill-downs; ask [`assess_indicator`]).
pub fn assess_year(context: &Context<'_>, year: i32) -> Result<Assessment> {
    let entered = Entered::load(context)?;
    let indicators = context
        .plan
        .indicators
        .iter()
        .map(|indicator| indicator_year(context, &entered, indicator, year, false))
        .collect::<Result<Vec<_>>>()?;
    let n_by_status = Status::ALL
        .iter()
        .map(|status| (*status, indicators.iter().filter(|i| i.status == *status).count()))
        .collect();
    let kind = AssessmentKind::of(context.plan, year);
    Ok(Assessment {
        plan_id: context.plan.id.clone(),
        plan_name: context.plan.name.clone(),
        issued_by: context.plan.issued_by.clone(),
        year,
        kind,
        kind_text: kind.title(),
        indicators,
        n_by_status,
    })
}

/// An indicator's series from its baseline year (or the plan's) to `to_year`.
pub fn trend(context: &Context<'_>, id: &str, to_year: i32) -> Result<Vec<TrendPoint>> {
    let indicator = find(context.plan, id)?;
    crate::entry::check_year(context.plan, to_year)?;
    let entered = Entered::load(context)?;
    let first = indicator.baseline.as_ref().map_or(context.plan.baseline_year, |b| b.year);
    let mut points =
        vec![TrendPoint { year: first, value: baseline_value(indicator), status: None }];
    for year in first + 1..=to_year {
        let result = indicator_year(context, &entered, indicator, year, false)?;
        points.push(TrendPoint { year, value: result.value, status: Some(result.status) });
    }
    Ok(points)
}
