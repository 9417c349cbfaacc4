//! Indicator 11 from the online-monitored emission totals: the reduction of
//! each pollutant's annual amount since a baseline year (污染物排放减少比例).
//!
//! The amounts come through [`EmissionSource`]; the plan crate does not
//! compute them. The binary wires the registry's emission totals
//! (`registry::totals`: device `Cou`, else concentration × flow, per outlet
//! and pollutant), so services stay independent and the one computation of
//! totals serves the registry API and the plan alike.
//!
//! ## The rule ([`reduction`])
//! - **Which outlets.** Per pollutant of the plan file's list, the outlets
//!   with an amount in both the baseline year and the year judged, each year
//!   covering at least `min_coverage_percent` of its expected hours (the
//!   registry counts an hour when it has `Cou`, or concentration and flow).
//!   Outlets that reported in one year only (new, closed, or not yet
//!   monitored) or too sparsely are listed in the drill-down with the reason
//!   and left out of both years, so a reduction is never an artefact of
//!   outlets joining or leaving the monitoring.
//! - **Missing hours.** A counted outlet's amount is annualised:
//!   amount ÷ hours with data × hours of the year. So a year with more gaps
//!   does not read as a reduction. (A year still in progress is thereby
//!   extrapolated from its hours so far.)
//! - **Per pollutant.** reduction % = (baseline − year) ÷ baseline × 100 over
//!   the counted outlets' annualised amounts; none without counted outlets or
//!   with a zero baseline.
//! - **The indicator's value** is the smallest reduction among the
//!   pollutants: the indicator is met only when every pollutant meets the
//!   city's figure. When a pollutant that outlets report has no reduction
//!   (no outlet counted, or a zero baseline), the smallest of the others is
//!   shown as provisional and not judged (insufficient data).
//! - Only outlets monitored online count (partly computable, as the plan file
//!   says): a pollutant no outlet reports online in either year is listed
//!   with no outlets and left out of the value; amounts from statistics or
//!   permits are outside this figure.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use model::PointId;
use serde::{Deserialize, Serialize};
use store::Store;

use crate::Result;
use crate::file::Text;
use crate::metric::{DrillDown, MetricOutcome};
use crate::status::{Reason, Value};

/// One outlet's amount of one pollutant in one Beijing year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletEmission {
    /// The outlet's point.
    pub point: PointId,
    /// The outlet's code.
    pub outlet: String,
    /// Its enterprise (credit code).
    pub enterprise: String,
    /// The pollutant's HJ 212 code.
    pub pollutant: String,
    /// The amount, kg.
    pub amount_kg: f64,
    /// Hours with an amount.
    pub n_hours: u32,
    /// Hours expected (the year's hours, up to now for the current year).
    pub n_expected_hours: u32,
}

/// Where indicator 11's annual amounts come from.
pub trait EmissionSource: Send + Sync {
    /// Each monitored outlet's annual amount per pollutant in the Beijing year `year`.
    fn annual_emissions(&self, store: &dyn Store, year: i32) -> Result<Vec<OutletEmission>>;
}

/// No emission totals: an emission indicator has no outlets (for callers
/// that do not serve emission indicators, such as tests of other indicators).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEmissions;

impl EmissionSource for NoEmissions {
    fn annual_emissions(&self, _store: &dyn Store, _year: i32) -> Result<Vec<OutletEmission>> {
        Ok(Vec::new())
    }
}

/// A pollutant of an emission-reduction indicator, as the plan file names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionPollutant {
    /// The HJ 212 code, e.g. `w01018` (COD).
    pub code: String,
    /// Its name.
    pub name: Text,
}

/// The default share of expected hours an outlet-year needs to count, %.
pub fn default_min_coverage_percent() -> f64 {
    75.0
}

/// One year of an outlet and pollutant in the drill-down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutletYear {
    /// Amount as totalled, kg.
    pub amount_kg: f64,
    /// Hours with an amount.
    pub n_hours: u32,
    /// Hours expected.
    pub n_expected_hours: u32,
    /// n_hours ÷ n_expected_hours, % (one decimal).
    pub coverage_percent: f64,
    /// Amount ÷ hours with data × hours of the year, kg (when there are hours).
    pub annualised_kg: Option<f64>,
}

/// One outlet and pollutant compared between the baseline year and the year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutletComparison {
    /// The outlet's point.
    pub point: PointId,
    /// The outlet's code.
    pub outlet: String,
    /// Its enterprise (credit code).
    pub enterprise: String,
    /// The pollutant's code.
    pub pollutant: String,
    /// The baseline year, if the outlet reported then.
    pub baseline: Option<OutletYear>,
    /// The year judged, if the outlet reported then.
    pub year: Option<OutletYear>,
    /// Whether it counts in the pollutant's reduction.
    pub counted: bool,
    /// Why not, when not counted.
    pub excluded_because: Option<Text>,
}

/// One pollutant's reduction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollutantReduction {
    /// The pollutant's code.
    pub code: String,
    /// Its name.
    pub name: Text,
    /// Outlets counted (reporting enough in both years).
    pub n_outlets_counted: usize,
    /// Outlets listed (reporting in either year).
    pub n_outlets: usize,
    /// The counted outlets' annualised baseline amount, kg.
    pub baseline_kg: f64,
    /// The counted outlets' annualised amount in the year, kg.
    pub year_kg: f64,
    /// (baseline − year) ÷ baseline × 100, when counted outlets have a baseline above zero.
    pub reduction_percent: Option<f64>,
}

fn hours_in_year(year: i32) -> u32 {
    let leap = NaiveDate::from_ymd_opt(year, 12, 31).is_some_and(|day| day.ordinal() == 366);
    if leap { 366 * 24 } else { 365 * 24 }
}

fn outlet_year(row: &OutletEmission, year: i32) -> OutletYear {
    let coverage_percent = if row.n_expected_hours == 0 {
        0.0
    } else {
        round1(f64::from(row.n_hours) * 100.0 / f64::from(row.n_expected_hours))
    };
    let annualised_kg = (row.n_hours > 0)
        .then(|| row.amount_kg / f64::from(row.n_hours) * f64::from(hours_in_year(year)));
    OutletYear {
        amount_kg: row.amount_kg,
        n_hours: row.n_hours,
        n_expected_hours: row.n_expected_hours,
        coverage_percent,
        annualised_kg,
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn text(zh: &str, en: &str) -> Text {
    Text { zh: zh.to_owned(), en: en.to_owned() }
}

/// Applies the rule of the module docs to the amounts of `baseline_year`
/// and `year`.
pub fn reduction(
    pollutants: &[EmissionPollutant],
    min_coverage_percent: f64,
    (baseline_year, baseline_rows): (i32, &[OutletEmission]),
    (year, year_rows): (i32, &[OutletEmission]),
) -> MetricOutcome {
    type Key = (String, PointId);
    let mut by_key: BTreeMap<Key, (Option<&OutletEmission>, Option<&OutletEmission>)> =
        BTreeMap::new();
    let wanted = |row: &&OutletEmission| pollutants.iter().any(|p| p.code == row.pollutant);
    for row in baseline_rows.iter().filter(wanted) {
        by_key.entry((row.pollutant.clone(), row.point)).or_default().0 = Some(row);
    }
    for row in year_rows.iter().filter(wanted) {
        by_key.entry((row.pollutant.clone(), row.point)).or_default().1 = Some(row);
    }
    let mut outlets = Vec::new();
    for ((pollutant, point), (base, current)) in &by_key {
        let Some(any) = current.or(*base) else { continue };
        let baseline = base.map(|row| outlet_year(row, baseline_year));
        let this_year = current.map(|row| outlet_year(row, year));
        let enough = |y: &Option<OutletYear>| {
            y.as_ref().is_some_and(|y| {
                y.n_expected_hours > 0
                    && f64::from(y.n_hours) * 100.0
                        >= min_coverage_percent * f64::from(y.n_expected_hours)
            })
        };
        let excluded_because = match (&baseline, &this_year) {
            (None, _) => {
                Some(text("基准年无在线监测排放量", "no monitored amount in the baseline year"))
            }
            (_, None) => Some(text("当年无在线监测排放量", "no monitored amount in the year")),
            _ if !enough(&baseline) => Some(Text {
                zh: format!("基准年有效小时数不足 {min_coverage_percent}%"),
                en: format!("baseline year covers less than {min_coverage_percent}% of its hours"),
            }),
            _ if !enough(&this_year) => Some(Text {
                zh: format!("当年有效小时数不足 {min_coverage_percent}%"),
                en: format!("the year covers less than {min_coverage_percent}% of its hours"),
            }),
            _ => None,
        };
        outlets.push(OutletComparison {
            point: *point,
            outlet: any.outlet.clone(),
            enterprise: any.enterprise.clone(),
            pollutant: pollutant.clone(),
            baseline,
            year: this_year,
            counted: excluded_because.is_none(),
            excluded_because,
        });
    }
    let reductions: Vec<PollutantReduction> = pollutants
        .iter()
        .map(|pollutant| {
            let listed: Vec<&OutletComparison> =
                outlets.iter().filter(|o| o.pollutant == pollutant.code).collect();
            let counted: Vec<&&OutletComparison> = listed.iter().filter(|o| o.counted).collect();
            let sum = |pick: fn(&OutletComparison) -> Option<&OutletYear>| {
                counted.iter().filter_map(|o| pick(o).and_then(|y| y.annualised_kg)).sum::<f64>()
            };
            let baseline_kg = sum(|o| o.baseline.as_ref());
            let year_kg = sum(|o| o.year.as_ref());
            let reduction_percent = (!counted.is_empty() && baseline_kg > 0.0)
                .then(|| (baseline_kg - year_kg) / baseline_kg * 100.0);
            PollutantReduction {
                code: pollutant.code.clone(),
                name: pollutant.name.clone(),
                n_outlets_counted: counted.len(),
                n_outlets: listed.len(),
                baseline_kg,
                year_kg,
                reduction_percent,
            }
        })
        .collect();
    let values: Vec<f64> = reductions.iter().filter_map(|r| r.reduction_percent).collect();
    let smallest = values.iter().copied().reduce(f64::min).map(Value::Number);
    // Pollutants no outlet reports online are outside this figure; every
    // other one needs its reduction.
    let n_monitored = reductions.iter().filter(|r| r.n_outlets > 0).count();
    let all = !values.is_empty() && values.len() == n_monitored;
    let missing = if outlets.is_empty() {
        Some(Reason::NoSites)
    } else if year_rows.iter().filter(wanted).all(|row| row.n_hours == 0) {
        Some(Reason::NoValue)
    } else if all {
        None
    } else {
        Some(Reason::InsufficientData)
    };
    MetricOutcome {
        value: if all { smallest } else { None },
        missing,
        provisional: if all { None } else { smallest },
        drill_down: DrillDown::Emissions { baseline_year, pollutants: reductions, outlets },
    }
}

/// [`reduction`] with the amounts read from `source`.
pub fn compute(
    store: &dyn Store,
    source: &dyn EmissionSource,
    pollutants: &[EmissionPollutant],
    min_coverage_percent: f64,
    baseline_year: i32,
    year: i32,
) -> Result<MetricOutcome> {
    let baseline_rows = source.annual_emissions(store, baseline_year)?;
    let year_rows = source.annual_emissions(store, year)?;
    Ok(reduction(
        pollutants,
        min_coverage_percent,
        (baseline_year, &baseline_rows),
        (year, &year_rows),
    ))
}
