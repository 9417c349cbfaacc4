//! The district plan's indicators: the plan file, each indicator's value and
//! status in a year, its trend and drill-down, and the assessment report.
//!
//! The plan is data. A TOML plan file ([`file::Plan`]; the shipped one is
//! `plans/wutongqiao-2021-2025.toml`, 五通桥区“十四五”生态环境保护规划 专栏2)
//! defines each indicator: number, category, names (zh/en), unit, baseline
//! and year, target, attribute (binding/expected), responsible department and
//! source: computed from a named [`file::Metric`] over the sites a
//! [`site::Selector`] picks, or entered by a user (stored through
//! [`store::PlanStore`] with its evidence document).
//!
//! ## Status rules ([`status::judge`])
//! 1. No value for the year → **no data** (无数据).
//! 2. The value reaches the target (compared at the indicator's decimals) → **met** (已达标).
//! 3. Otherwise, in or after the target year → **not met** (未达标).
//! 4. Otherwise, for "at least"/"at most" targets with a numeric baseline,
//!    the year's expected value is the linear interpolation between the
//!    baseline (its year) and the target (the target year): at or beyond it
//!    in the target's direction → **on track** (进展顺利), else **at risk**
//!    (存在风险). Class targets interpolate class numbers (I = 1 … 劣V = 6).
//!    Without a baseline, a value that misses the target is at risk.
//!
//! Special targets:
//! - "basically eliminated" (基本消除): at most the plan file's `max_value`
//!   (the shipped plan: heavy-pollution days ≤ 1 % of counted days);
//! - "meet the city's target" (完成市下达目标): no data until an authorised
//!   user sets the figure with the assigning document
//!   ([`store::PlanStore::set_city_target`]), then judged "at least" or
//!   "at most" as the plan file says;
//! - "stable or improving" (稳中向好): met when not worse than the previous
//!   year's value (the baseline for the year after the baseline year); no
//!   data without one;
//! - qualitative: the user enters 1 (achieved) or 0 (not achieved).
//!
//! Computed values ([`metric`]) use the standards engine over the store's
//! hour readings; values that fail the standard's validity rule (a PM2.5
//! annual mean from fewer than 324 daily means) are shown as provisional and
//! judged "no data".
//!
//! Reports ([`report`]): HTML (askama, self-contained) and XLSX
//! (rust_xlsxwriter), every indicator with value, target, status and evidence.
//!
//! This crate reads the store and does not know HTTP, files or the clock: the
//! binary reads plan files and the web crate serves the results.
//!
//! ```
//! let plan = plan::Plan::shipped()?;
//! assert_eq!(plan.indicators.len(), 23); // 21 numbers, 16 in three parts
//! assert_eq!(plan.indicator("3").map(|i| i.unit.as_str()), Some("µg/m³"));
//! # Ok::<(), plan::Error>(())
//! ```

pub mod assess;
pub mod emission;
pub mod entry;
pub mod file;
pub mod metric;
pub mod report;
pub mod site;
pub mod status;

pub use assess::{
    Assessment, AssessmentKind, Context, IndicatorYear, assess_indicator, assess_year, trend,
};
pub use emission::{EmissionSource, NoEmissions, OutletEmission};
pub use entry::{PlanConfig, PointSites, RegistrySites, SiteSource};
pub use file::{Indicator, Plan, SHIPPED_PLAN};
pub use site::{Selector, Site, SiteKind};
pub use status::{Status, Value};

/// Errors of the plan crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan file is not valid TOML of the plan's shape.
    #[error("plan file: {0}")]
    PlanSyntax(String),
    /// The plan file parsed but its content is inconsistent; every problem is listed.
    #[error("plan file: {}", .0.join("; "))]
    PlanInvalid(Vec<String>),
    /// No indicator with this id.
    #[error("no indicator {0:?} in the plan")]
    UnknownIndicator(String),
    /// The year cannot be assessed.
    #[error("year {0} is out of range")]
    YearOutOfRange(i32),
    /// An entered value or target is refused.
    #[error("indicator {indicator}: {field}: {message}")]
    InvalidEntry {
        /// The indicator.
        indicator: String,
        /// The field.
        field: &'static str,
        /// What is wrong (English).
        message: String,
        /// What is wrong, in Chinese (the same refusal as `message`).
        message_zh: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The standards engine refused its input.
    #[error(transparent)]
    Standards(#[from] standards::Error),
    /// Rendering a report failed.
    #[error("rendering the report: {0}")]
    Report(String),
    /// The emission amounts could not be computed.
    #[error("emission totals: {0}")]
    Emissions(String),
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::PlanSyntax(_) => "plan_syntax",
            Error::PlanInvalid(_) => "plan_invalid",
            Error::UnknownIndicator(_) => "unknown_indicator",
            Error::YearOutOfRange(_) => "year_out_of_range",
            Error::InvalidEntry { .. } => "invalid_entry",
            Error::Store(_) => "store",
            Error::Standards(_) => "standards",
            Error::Report(_) => "report",
            Error::Emissions(_) => "emissions",
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
