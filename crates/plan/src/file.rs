//! The plan file: a TOML document defining the plan's indicators, parsed
//! and validated into a [`Plan`].
//!
//! Validation reports every problem at once, each naming the indicator and
//! the field (`indicator 5: target.class: …`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use standards::water::WaterClass;

use crate::site::Selector;
use crate::{Error, Result};

/// The plan shipped with Qingshan: 五通桥区“十四五”生态环境保护规划 (专栏2).
pub const SHIPPED_PLAN: &str = include_str!("../plans/wutongqiao-2021-2025.toml");

/// A text in Chinese with its English rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Chinese (zh-CN), shown first.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A validated plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Stable id, e.g. `wutongqiao-2021-2025`; entered values are stored under it.
    pub id: String,
    /// The plan's title.
    pub name: Text,
    /// The document that issued it, e.g. `五府发〔2023〕7号`.
    #[serde(default)]
    pub issued_by: String,
    /// The baseline year (基期).
    pub baseline_year: i32,
    /// The target year (目标年).
    pub target_year: i32,
    /// The mid-term assessment year.
    pub midterm_year: i32,
    /// The indicators, in the plan's order.
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

/// Binding (约束性) or expected (预期性).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    /// 约束性: must be met.
    Binding,
    /// 预期性: guiding.
    Expected,
}

impl Attribute {
    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Attribute::Binding => "约束性",
            Attribute::Expected => "预期性",
        }
    }

    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            Attribute::Binding => "binding",
            Attribute::Expected => "expected",
        }
    }
}

/// One indicator of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Its number in the plan: `1` … `21`, parts as `16a`.
    pub id: String,
    /// Category (类别).
    pub category: Text,
    /// Name.
    pub name: Text,
    /// Unit, e.g. `%`, `µg/m³`, `类`; empty for an index.
    pub unit: String,
    /// Decimals the value is reported and judged with; default 1.
    #[serde(default = "default_decimals")]
    pub decimals: u32,
    /// Binding or expected.
    pub attribute: Attribute,
    /// The responsible department.
    pub department: Text,
    /// The baseline, if the plan gives one.
    #[serde(default)]
    pub baseline: Option<Baseline>,
    /// The target.
    pub target: Target,
    /// Where the value comes from.
    pub source: Source,
}

fn default_decimals() -> u32 {
    1
}

/// The baseline value and its year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The baseline year.
    pub year: i32,
    /// A numeric baseline.
    #[serde(default)]
    pub value: Option<f64>,
    /// A class baseline (class indicators).
    #[serde(default)]
    pub class: Option<WaterClass>,
}

/// Which way a city-assigned figure is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The value must be at least the figure.
    AtLeast,
    /// The value must be at most the figure.
    AtMost,
}

/// The target of an indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// ≥ value.
    AtLeast {
        /// The figure.
        value: f64,
    },
    /// ≤ value.
    AtMost {
        /// The figure.
        value: f64,
    },
    /// = value (at the indicator's decimals).
    Equal {
        /// The figure.
        value: f64,
    },
    /// Class `class` or better (I best).
    ClassAtLeast {
        /// The class.
        class: WaterClass,
    },
    /// 基本消除: at most `max_value` (a share in %).
    BasicallyEliminated {
        /// The largest value still counted as eliminated.
        max_value: f64,
    },
    /// 完成市下达目标: the figure is set later, with its document.
    CityAssigned {
        /// How the figure is judged.
        direction: Direction,
        /// What the plan says meanwhile, if anything.
        #[serde(default)]
        hint: Option<Text>,
    },
    /// 稳中向好: not worse than the previous year.
    StableOrImproving {
        /// Whether a higher value is better.
        higher_is_better: bool,
    },
    /// A qualitative target: entered 1 (achieved) or 0 (not achieved).
    Qualitative {
        /// What is to be achieved.
        description: Text,
    },
}

impl Target {
    /// The target as text, Chinese and English (`≥ 89.4`, `Ⅲ类`, `基本消除 (≤ 1%)`).
    pub fn describe(&self, unit: &str, city_figure: Option<f64>) -> Text {
        let unit_suffix =
            if unit.is_empty() || unit == "类" { String::new() } else { format!(" {unit}") };
        match self {
            Target::AtLeast { value } => {
                let text = format!("≥ {value}{unit_suffix}");
                Text { zh: text.clone(), en: text }
            }
            Target::AtMost { value } => {
                let text = format!("≤ {value}{unit_suffix}");
                Text { zh: text.clone(), en: text }
            }
            Target::Equal { value } => {
                let text = format!("= {value}{unit_suffix}");
                Text { zh: text.clone(), en: text }
            }
            Target::ClassAtLeast { class } => Text {
                zh: format!("{}或更优", class.zh_label()),
                en: format!("class {} or better", class.label()),
            },
            Target::BasicallyEliminated { max_value } => Text {
                zh: format!("基本消除（≤ {max_value}{unit_suffix}）"),
                en: format!("basically eliminated (≤ {max_value}{unit_suffix})"),
            },
            Target::CityAssigned { direction, hint } => {
                let sign = match direction {
                    Direction::AtLeast => "≥",
                    Direction::AtMost => "≤",
                };
                match city_figure {
                    Some(figure) => Text {
                        zh: format!("完成市下达目标（{sign} {figure}{unit_suffix}）"),
                        en: format!("meet the city's target ({sign} {figure}{unit_suffix})"),
                    },
                    None => Text {
                        zh: format!(
                            "完成市下达目标（待下达{}）",
                            hint.as_ref().map(|h| format!("；{}", h.zh)).unwrap_or_default()
                        ),
                        en: format!(
                            "meet the city's target (not yet assigned{})",
                            hint.as_ref().map(|h| format!("; {}", h.en)).unwrap_or_default()
                        ),
                    },
                }
            }
            Target::StableOrImproving { .. } => {
                Text { zh: "稳中向好".to_owned(), en: "stable or improving".to_owned() }
            }
            Target::Qualitative { description } => description.clone(),
        }
    }
}

/// A metric computed from monitoring data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// 优良天数比例 of the district (air stations' hourly mean series), %.
    GoodDaysRatio,
    /// 重污染天数比例 of the district, %.
    HeavyDaysRatio,
    /// PM2.5 annual mean of the district, µg/m³ (GB 3095 table 4 validity).
    Pm25AnnualMean,
    /// Share of the selected sections at class III or better, %.
    ShareClassIiiOrBetter,
    /// Share of the selected sections worse than class V, %.
    ShareWorseThanV,
    /// The class of a river from its selected sections.
    RiverClass,
}

impl Metric {
    /// Whether the metric reads air stations (else water sections).
    pub fn is_air(self) -> bool {
        matches!(self, Metric::GoodDaysRatio | Metric::HeavyDaysRatio | Metric::Pm25AnnualMean)
    }

    /// Whether the metric's value is a water class.
    pub fn is_class(self) -> bool {
        self == Metric::RiverClass
    }
}

/// Where an indicator's value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// Computed from monitoring data in the store.
    Computed {
        /// The metric.
        metric: Metric,
        /// Which sites count.
        sites: Selector,
    },
    /// Entered by a user with a value, year, evidence document and note.
    Entered,
    /// The smallest reduction, %, of the pollutants' annual amounts at
    /// online-monitored outlets since `baseline_year` ([`crate::emission`]).
    EmissionReduction {
        /// The year amounts are compared with.
        baseline_year: i32,
        /// The pollutants (each must have a reduction for the value to be judged).
        pollutants: Vec<crate::emission::EmissionPollutant>,
        /// Share of its expected hours an outlet-year needs to count, % (default 75).
        #[serde(default = "crate::emission::default_min_coverage_percent")]
        min_coverage_percent: f64,
    },
}

impl Plan {
    /// The plan shipped with Qingshan.
    pub fn shipped() -> Result<Plan> {
        Plan::parse(SHIPPED_PLAN)
    }

    /// Parses and validates a plan file's text.
    pub fn parse(text: &str) -> Result<Plan> {
        let plan: Plan =
            toml::from_str(text).map_err(|error| Error::PlanSyntax(error.to_string()))?;
        plan.validate()?;
        Ok(plan)
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|indicator| indicator.id == id)
    }

    /// Checks everything the types cannot, reporting every problem.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        let mut problem = |indicator: &str, field: &str, message: String| {
            problems.push(format!("indicator {indicator}: {field}: {message}"));
        };
        if self.id.trim().is_empty() {
            problem("-", "id", "the plan id is empty".to_owned());
        }
        if self.baseline_year >= self.target_year {
            problem(
                "-",
                "target_year",
                format!("{} is not after baseline_year {}", self.target_year, self.baseline_year),
            );
        }
        if !(self.baseline_year..=self.target_year).contains(&self.midterm_year) {
            problem(
                "-",
                "midterm_year",
                format!("{} is outside the plan period", self.midterm_year),
            );
        }
        if self.indicators.is_empty() {
            problem("-", "indicator", "the plan has no indicators".to_owned());
        }
        let mut seen = BTreeSet::new();
        for indicator in &self.indicators {
            let id = indicator.id.as_str();
            if id.trim().is_empty() {
                problem("?", "id", "empty".to_owned());
            } else if !seen.insert(id) {
                problem(id, "id", "appears twice".to_owned());
            }
            if indicator.decimals > 6 {
                problem(id, "decimals", format!("{} is more than 6", indicator.decimals));
            }
            for (field, figure) in [
                ("target.value", target_figure(&indicator.target)),
                ("baseline.value", indicator.baseline.as_ref().and_then(|b| b.value)),
            ] {
                if figure.is_some_and(|figure| !figure.is_finite()) {
                    problem(id, field, "not a finite number".to_owned());
                }
            }
            let is_class_target = matches!(indicator.target, Target::ClassAtLeast { .. });
            if let Some(baseline) = &indicator.baseline {
                match (baseline.value, baseline.class) {
                    (None, None) => problem(id, "baseline", "needs value or class".to_owned()),
                    (Some(_), Some(_)) => {
                        problem(id, "baseline", "has both value and class".to_owned())
                    }
                    (Some(_), None) if is_class_target => problem(
                        id,
                        "baseline.value",
                        "a class target needs baseline.class".to_owned(),
                    ),
                    (None, Some(_)) if !is_class_target => problem(
                        id,
                        "baseline.class",
                        "only a class target takes a class baseline".to_owned(),
                    ),
                    _ => {}
                }
                if baseline.year >= self.target_year {
                    problem(
                        id,
                        "baseline.year",
                        format!("{} is not before the target year", baseline.year),
                    );
                }
            }
            match &indicator.source {
                Source::Computed { metric, sites } => {
                    if metric.is_air() != (sites.kind == crate::site::SiteKind::AirStation) {
                        problem(
                            id,
                            "source.sites.kind",
                            format!(
                                "metric {metric:?} needs {} sites",
                                if metric.is_air() { "air_station" } else { "water_section" }
                            ),
                        );
                    }
                    if metric.is_class() != is_class_target {
                        problem(
                            id,
                            "source.metric",
                            "a class metric goes with a class_at_least target and only with it"
                                .to_owned(),
                        );
                    }
                    if matches!(indicator.target, Target::Qualitative { .. }) {
                        problem(
                            id,
                            "target.kind",
                            "a qualitative target is entered, not computed".to_owned(),
                        );
                    }
                }
                Source::EmissionReduction { baseline_year, pollutants, min_coverage_percent } => {
                    if pollutants.is_empty() {
                        problem(id, "source.pollutants", "names no pollutant".to_owned());
                    }
                    for pollutant in pollutants {
                        if model::ParamCode::parse(&pollutant.code).is_err() {
                            problem(
                                id,
                                "source.pollutants.code",
                                format!("{:?} is not a parameter code", pollutant.code),
                            );
                        }
                    }
                    if !(*min_coverage_percent > 0.0 && *min_coverage_percent <= 100.0) {
                        problem(
                            id,
                            "source.min_coverage_percent",
                            format!("{min_coverage_percent} is not in (0, 100]"),
                        );
                    }
                    if *baseline_year >= self.target_year {
                        problem(
                            id,
                            "source.baseline_year",
                            format!("{baseline_year} is not before the target year"),
                        );
                    }
                    if is_class_target || matches!(indicator.target, Target::Qualitative { .. }) {
                        problem(
                            id,
                            "target.kind",
                            "an emission reduction is a number, not a class or qualitative"
                                .to_owned(),
                        );
                    }
                }
                Source::Entered => {
                    if is_class_target {
                        problem(
                            id,
                            "target.kind",
                            "class targets are computed (metric river_class)".to_owned(),
                        );
                    }
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::PlanInvalid(problems)) }
    }
}

/// The numeric figure a target names, if any.
pub(crate) fn target_figure(target: &Target) -> Option<f64> {
    match target {
        Target::AtLeast { value } | Target::AtMost { value } | Target::Equal { value } => {
            Some(*value)
        }
        Target::BasicallyEliminated { max_value } => Some(*max_value),
        _ => None,
    }
}
