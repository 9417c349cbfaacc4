//! The status of an indicator in a year: pure rules, no storage, no clock.
//!
//! Rules (also in the crate docs and the shipped plan file):
//! 1. no value for the year → [`Status::NoData`];
//! 2. the value reaches the target → [`Status::Met`];
//! 3. otherwise, in or after the target year → [`Status::NotMet`];
//! 4. otherwise (before the target year), for an "at least" / "at most"
//!    comparison (also "basically eliminated" and a set city figure) or a
//!    class target with a baseline: the expected value of the year by
//!    linear interpolation between the baseline (year) and the target
//!    (target year); at or beyond it in the target's direction →
//!    [`Status::OnTrack`], else [`Status::AtRisk`]. Classes interpolate
//!    their number (I = 1 … 劣V = 6). Without a baseline (or for
//!    "equal", "stable or improving" and qualitative targets) a value that
//!    misses the target is [`Status::AtRisk`].
//!
//! Values are compared at the indicator's decimals (half away from zero).

use serde::{Deserialize, Serialize};
use standards::water::WaterClass;

use crate::file::{Baseline, Direction, Target};

/// An indicator's value in a year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// A number in the indicator's unit.
    Number(f64),
    /// A water class.
    Class(WaterClass),
}

impl Value {
    /// The value as text at `decimals` (a class as `Ⅲ类`).
    pub fn display(&self, decimals: u32) -> String {
        match self {
            Value::Number(number) => format!("{:.*}", decimals as usize, round(*number, decimals)),
            Value::Class(class) => class.zh_label().to_owned(),
        }
    }

    /// The number, if this is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::Class(_) => None,
        }
    }
}

/// The status of an indicator in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已达标: the target is reached.
    Met,
    /// 进展顺利: not reached yet, at or ahead of the expected progress.
    OnTrack,
    /// 存在风险: not reached, behind the expected progress.
    AtRisk,
    /// 未达标: not reached in or after the target year.
    NotMet,
    /// 无数据: no value (or no target figure, or nothing to compare with).
    NoData,
}

impl Status {
    /// All statuses, in report order.
    pub const ALL: [Status; 5] =
        [Status::Met, Status::OnTrack, Status::AtRisk, Status::NotMet, Status::NoData];

    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Status::Met => "已达标",
            Status::OnTrack => "进展顺利",
            Status::AtRisk => "存在风险",
            Status::NotMet => "未达标",
            Status::NoData => "无数据",
        }
    }

    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::OnTrack => "on track",
            Status::AtRisk => "at risk",
            Status::NotMet => "not met",
            Status::NoData => "no data",
        }
    }

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::NotMet => "not_met",
            Status::NoData => "no_data",
        }
    }
}

/// Why a status was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The value reaches the target.
    TargetReached,
    /// Missed in or after the target year.
    MissedInTargetYear,
    /// At or ahead of the interpolated expected value.
    AheadOfTrajectory,
    /// Behind the interpolated expected value.
    BehindTrajectory,
    /// Misses the target and there is no trajectory to compare with.
    MissesTarget,
    /// No value for the year.
    NoValue,
    /// Data exist but do not meet the standard's validity rule (e.g. fewer
    /// than 324 daily values for an annual mean).
    InsufficientData,
    /// No monitoring site matches the indicator's selector.
    NoSites,
    /// The city has not assigned the figure yet.
    TargetNotSet,
    /// "Stable or improving" without a previous value.
    NoEarlierValue,
}

impl Reason {
    /// Chinese explanation.
    pub fn zh(self) -> &'static str {
        match self {
            Reason::TargetReached => "达到目标值",
            Reason::MissedInTargetYear => "目标年（及以后）未达到目标值",
            Reason::AheadOfTrajectory => "优于按基期值与目标值线性插值的当年进度",
            Reason::BehindTrajectory => "落后于按基期值与目标值线性插值的当年进度",
            Reason::MissesTarget => "未达到目标值（无基期值可比较进度）",
            Reason::NoValue => "当年无数据",
            Reason::InsufficientData => "数据量未达到标准规定的有效性要求",
            Reason::NoSites => "没有符合条件的监测点位",
            Reason::TargetNotSet => "市级目标尚未下达",
            Reason::NoEarlierValue => "无上一年数值可比较",
        }
    }

    /// English explanation.
    pub fn en(self) -> &'static str {
        match self {
            Reason::TargetReached => "the target is reached",
            Reason::MissedInTargetYear => "the target is missed in or after the target year",
            Reason::AheadOfTrajectory => {
                "at or ahead of the linear path from the baseline to the target"
            }
            Reason::BehindTrajectory => "behind the linear path from the baseline to the target",
            Reason::MissesTarget => "the target is missed (no baseline to measure progress)",
            Reason::NoValue => "no value for the year",
            Reason::InsufficientData => "the data do not meet the standard's validity rule",
            Reason::NoSites => "no monitoring site matches the indicator",
            Reason::TargetNotSet => "the city has not assigned the target yet",
            Reason::NoEarlierValue => "no previous value to compare with",
        }
    }
}

/// A status with its reason and, where interpolated, the expected value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// The status.
    pub status: Status,
    /// Why.
    pub reason: Reason,
    /// The expected value of the year on the linear path, when used
    /// (a class number 1 … 6 for class targets).
    pub expected: Option<f64>,
}

impl Judgement {
    fn new(status: Status, reason: Reason) -> Judgement {
        Judgement { status, reason, expected: None }
    }

    /// No data, for `reason`.
    pub fn no_data(reason: Reason) -> Judgement {
        Judgement::new(Status::NoData, reason)
    }
}

/// What [`judge`] needs.
#[derive(Debug, Clone, Copy)]
pub struct JudgeInput<'a> {
    /// The target.
    pub target: &'a Target,
    /// The city-assigned figure, for [`Target::CityAssigned`].
    pub city_figure: Option<f64>,
    /// The baseline.
    pub baseline: Option<&'a Baseline>,
    /// The plan's target year.
    pub target_year: i32,
    /// The year judged.
    pub year: i32,
    /// The value of the year.
    pub value: Option<Value>,
    /// The previous year's value, for [`Target::StableOrImproving`].
    pub previous: Option<f64>,
    /// Decimals the value is judged at.
    pub decimals: u32,
}

/// Rounds half away from zero to `decimals`.
pub fn round(value: f64, decimals: u32) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    (value * scale).round() / scale
}

/// The comparison a target boils down to.
enum Comparison {
    AtLeast(f64),
    AtMost(f64),
    Equal(f64),
    Class(WaterClass),
}

/// Judges one indicator in one year (rules in the module docs).
pub fn judge(input: &JudgeInput<'_>) -> Judgement {
    let Some(value) = input.value else { return Judgement::no_data(Reason::NoValue) };
    let comparison = match input.target {
        Target::AtLeast { value } => Comparison::AtLeast(*value),
        Target::AtMost { value } => Comparison::AtMost(*value),
        Target::Equal { value } => Comparison::Equal(*value),
        Target::ClassAtLeast { class } => Comparison::Class(*class),
        Target::BasicallyEliminated { max_value } => Comparison::AtMost(*max_value),
        Target::CityAssigned { direction, .. } => match (input.city_figure, direction) {
            (None, _) => return Judgement::no_data(Reason::TargetNotSet),
            (Some(figure), Direction::AtLeast) => Comparison::AtLeast(figure),
            (Some(figure), Direction::AtMost) => Comparison::AtMost(figure),
        },
        Target::StableOrImproving { higher_is_better } => match input.previous {
            None => return Judgement::no_data(Reason::NoEarlierValue),
            Some(previous) if *higher_is_better => Comparison::AtLeast(previous),
            Some(previous) => Comparison::AtMost(previous),
        },
        Target::Qualitative { .. } => Comparison::AtLeast(1.0),
    };
    let decimals = input.decimals;
    let met = match (&comparison, value) {
        (Comparison::AtLeast(t), Value::Number(v)) => round(v, decimals) >= round(*t, decimals),
        (Comparison::AtMost(t), Value::Number(v)) => round(v, decimals) <= round(*t, decimals),
        (Comparison::Equal(t), Value::Number(v)) => round(v, decimals) == round(*t, decimals),
        (Comparison::Class(t), Value::Class(v)) => v.meets(*t),
        // A class where a number is expected (or the reverse) is not comparable.
        _ => return Judgement::no_data(Reason::NoValue),
    };
    if met {
        return Judgement::new(Status::Met, Reason::TargetReached);
    }
    if input.year >= input.target_year {
        return Judgement::new(Status::NotMet, Reason::MissedInTargetYear);
    }
    let trajectory = |baseline: f64, baseline_year: i32, target: f64| -> Option<f64> {
        let span = f64::from(input.target_year - baseline_year);
        (baseline_year < input.year && span > 0.0)
            .then(|| baseline + (target - baseline) * f64::from(input.year - baseline_year) / span)
    };
    let interpolated = match (&comparison, input.baseline, value) {
        (Comparison::AtLeast(t), Some(b), Value::Number(v)) => b
            .value
            .and_then(|bv| trajectory(bv, b.year, *t))
            .map(|expected| (expected, round(v, decimals) >= round(expected, decimals))),
        (Comparison::AtMost(t), Some(b), Value::Number(v)) => b
            .value
            .and_then(|bv| trajectory(bv, b.year, *t))
            .map(|expected| (expected, round(v, decimals) <= round(expected, decimals))),
        (Comparison::Class(t), Some(b), Value::Class(v)) => b
            .class
            .and_then(|bc| trajectory(class_number(bc), b.year, class_number(*t)))
            .map(|expected| (expected, class_number(v) <= expected)),
        _ => None,
    };
    match interpolated {
        Some((expected, true)) => Judgement {
            status: Status::OnTrack,
            reason: Reason::AheadOfTrajectory,
            expected: Some(expected),
        },
        Some((expected, false)) => Judgement {
            status: Status::AtRisk,
            reason: Reason::BehindTrajectory,
            expected: Some(expected),
        },
        None => Judgement::new(Status::AtRisk, Reason::MissesTarget),
    }
}

/// A class's number: I = 1 … 劣V = 6.
pub fn class_number(class: WaterClass) -> f64 {
    class.index() as f64 + 1.0
}

/// Which way the value moved since the baseline, relative to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// Towards the better side.
    Improved,
    /// Towards the worse side.
    Worsened,
    /// Unchanged at the indicator's decimals.
    Unchanged,
}

/// Whether a higher number is better for this target (`None` for equality
/// targets); for classes the number is the class number, lower is better.
pub fn higher_is_better(target: &Target) -> Option<bool> {
    match target {
        Target::AtLeast { .. } | Target::Qualitative { .. } => Some(true),
        Target::AtMost { .. } | Target::BasicallyEliminated { .. } => Some(false),
        Target::CityAssigned { direction, .. } => Some(*direction == Direction::AtLeast),
        Target::StableOrImproving { higher_is_better } => Some(*higher_is_better),
        Target::ClassAtLeast { .. } => Some(false),
        Target::Equal { .. } => None,
    }
}

/// The change from `from` to `to` (class numbers for classes), and its
/// direction relative to the target.
pub fn change(target: &Target, from: Value, to: Value, decimals: u32) -> Option<(f64, Movement)> {
    let (a, b) = match (from, to) {
        (Value::Number(a), Value::Number(b)) => (round(a, decimals), round(b, decimals)),
        (Value::Class(a), Value::Class(b)) => (class_number(a), class_number(b)),
        _ => return None,
    };
    let delta = round(b - a, decimals);
    let direction = if delta == 0.0 {
        Movement::Unchanged
    } else {
        match (higher_is_better(target), target) {
            (Some(true), _) if delta > 0.0 => Movement::Improved,
            (Some(false), _) if delta < 0.0 => Movement::Improved,
            (Some(_), _) => Movement::Worsened,
            // An equality target: closer to the figure is better.
            (None, Target::Equal { value }) if (b - value).abs() < (a - value).abs() => {
                Movement::Improved
            }
            (None, Target::Equal { value }) if (b - value).abs() > (a - value).abs() => {
                Movement::Worsened
            }
            (None, _) => Movement::Unchanged,
        }
    };
    Some((delta, direction))
}

#[cfg(test)]
mod tests;
