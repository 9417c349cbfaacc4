//! Alarm vocabulary: the rules that raise alarms, their severities and the
//! alarm lifecycle (open → acknowledged → closed).
//!
//! The transitions live here so every backend and the API refuse the same
//! illegal moves with the same precise error.

use serde::{Deserialize, Serialize};

use crate::ids::PointId;

/// A stored alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlarmId(pub i64);

impl std::fmt::Display for AlarmId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an alarm is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    /// Raised and waiting for someone to take it (待处理).
    Open,
    /// Someone took it (已确认).
    Acknowledged,
    /// Dealt with, with a note (已关闭).
    Closed,
}

impl AlarmState {
    /// All states.
    pub const ALL: [AlarmState; 3] =
        [AlarmState::Open, AlarmState::Acknowledged, AlarmState::Closed];

    /// Stable snake_case name used in storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Open => "open",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Closed => "closed",
        }
    }

    /// Parses the name written by [`AlarmState::as_str`].
    pub fn parse(text: &str) -> Option<AlarmState> {
        AlarmState::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// The state's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            AlarmState::Open => "待处理",
            AlarmState::Acknowledged => "已确认",
            AlarmState::Closed => "已关闭",
        }
    }

    /// Whether the alarm still counts for de-duplication (open or acknowledged).
    pub fn is_active(self) -> bool {
        self != AlarmState::Closed
    }

    /// Checks a move to `action`'s target state; returns the new state or why not.
    pub fn apply(self, action: AlarmAction) -> Result<AlarmState, TransitionError> {
        match (self, action) {
            (AlarmState::Open, AlarmAction::Acknowledge) => Ok(AlarmState::Acknowledged),
            (AlarmState::Open | AlarmState::Acknowledged, AlarmAction::Close) => {
                Ok(AlarmState::Closed)
            }
            (AlarmState::Open | AlarmState::Acknowledged, AlarmAction::Assign) => Ok(self),
            (from, action) => Err(TransitionError { from, action }),
        }
    }
}

/// What a person does to an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmAction {
    /// Take the alarm (open → acknowledged).
    Acknowledge,
    /// Close it with a note (open or acknowledged → closed).
    Close,
    /// Give it to someone (state unchanged; not once closed).
    Assign,
}

impl AlarmAction {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmAction::Acknowledge => "acknowledge",
            AlarmAction::Close => "close",
            AlarmAction::Assign => "assign",
        }
    }
}

/// An action that the alarm's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} an alarm that is {} ({})", action.as_str(), from.as_str(), from.name_zh())]
pub struct TransitionError {
    /// The state the alarm is in.
    pub from: AlarmState,
    /// What was asked.
    pub action: AlarmAction,
}

/// How serious an alarm is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look (提示).
    Info,
    /// Needs attention (预警).
    Warning,
    /// Needs action now (报警).
    Critical,
}

impl Severity {
    /// All severities, least serious first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// Parses the name written by [`Severity::as_str`].
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|severity| severity.as_str() == text)
    }

    /// The severity's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warning => "预警",
            Severity::Critical => "报警",
        }
    }
}

/// The detection rules (a closed set: each has its own code and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A realtime or minute value above the point's permit limit (超限预警), judged as it arrives.
    LimitCrossing,
    /// An hourly average exceeding the permit limit (超标), with multiple and duration.
    Exceedance,
    /// An air station's hourly AQI above 100, 200 or 300.
    AqiHigh,
    /// A surface-water section worse than its target class.
    WaterBelowTarget,
    /// A drinking-water source worse than its target class (II for a class-1
    /// protection zone, III for a class-2 zone; never more lenient than III).
    /// Its stored code stays `drinking_water_below_iii`, from when every
    /// source was judged against class III.
    DrinkingWaterBelowIii,
    /// A pollutant rising sharply from an upstream to a downstream section of one river.
    UpstreamDownstreamRise,
    /// No packet from a device for too long (设备离线).
    DeviceOffline,
    /// Fewer data periods than expected in a Beijing day (数据缺失).
    DataMissing,
    /// A device clock off by more than allowed (时钟偏差).
    ClockDrift,
    /// A flag F/M/D/C/B for longer than allowed.
    AbnormalFlag,
    /// Values constant for a long time (恒值).
    ConstantValue,
    /// Values at or just below the limit for a long stretch (贴线排放).
    NearLimit,
    /// Concentration dropping to near zero while flow continues.
    DropWithFlow,
    /// Zero or negative concentrations.
    ZeroOrNegative,
    /// Converted concentration inconsistent with measured concentration and O₂.
    ConversionMismatch,
    /// Hourly values inconsistent with the minute values the device sent.
    HourMinuteMismatch,
    /// A cumulative total going backwards.
    CumulativeBackwards,
}

impl Rule {
    /// All rules.
    pub const ALL: [Rule; 17] = [
        Rule::LimitCrossing,
        Rule::Exceedance,
        Rule::AqiHigh,
        Rule::WaterBelowTarget,
        Rule::DrinkingWaterBelowIii,
        Rule::UpstreamDownstreamRise,
        Rule::DeviceOffline,
        Rule::DataMissing,
        Rule::ClockDrift,
        Rule::AbnormalFlag,
        Rule::ConstantValue,
        Rule::NearLimit,
        Rule::DropWithFlow,
        Rule::ZeroOrNegative,
        Rule::ConversionMismatch,
        Rule::HourMinuteMismatch,
        Rule::CumulativeBackwards,
    ];

    /// Stable snake_case name used in storage, config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::LimitCrossing => "limit_crossing",
            Rule::Exceedance => "exceedance",
            Rule::AqiHigh => "aqi_high",
            Rule::WaterBelowTarget => "water_below_target",
            Rule::DrinkingWaterBelowIii => "drinking_water_below_iii",
            Rule::UpstreamDownstreamRise => "upstream_downstream_rise",
            Rule::DeviceOffline => "device_offline",
            Rule::DataMissing => "data_missing",
            Rule::ClockDrift => "clock_drift",
            Rule::AbnormalFlag => "abnormal_flag",
            Rule::ConstantValue => "constant_value",
            Rule::NearLimit => "near_limit",
            Rule::DropWithFlow => "drop_with_flow",
            Rule::ZeroOrNegative => "zero_or_negative",
            Rule::ConversionMismatch => "conversion_mismatch",
            Rule::HourMinuteMismatch => "hour_minute_mismatch",
            Rule::CumulativeBackwards => "cumulative_backwards",
        }
    }

    /// Parses the name written by [`Rule::as_str`].
    pub fn parse(text: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.as_str() == text)
    }

    /// The rule's name in English, for messages.
    pub fn name_en(self) -> &'static str {
        match self {
            Rule::LimitCrossing => "Real-time value over limit",
            Rule::Exceedance => "Hourly mean over standard",
            Rule::AqiHigh => "AQI over standard",
            Rule::WaterBelowTarget => "Section below its water-quality target",
            Rule::DrinkingWaterBelowIii => "Drinking-water source below its target",
            Rule::UpstreamDownstreamRise => "Sharp rise from upstream to downstream",
            Rule::DeviceOffline => "Device offline",
            Rule::DataMissing => "Data missing",
            Rule::ClockDrift => "Device clock drift",
            Rule::AbnormalFlag => "Abnormal data flag persists",
            Rule::ConstantValue => "Value constant for a long time",
            Rule::NearLimit => "Emissions held just under the limit",
            Rule::DropWithFlow => "Concentration drops while flow is normal",
            Rule::ZeroOrNegative => "Zero or negative concentration",
            Rule::ConversionMismatch => {
                "Converted value inconsistent with measured value and oxygen"
            }
            Rule::HourMinuteMismatch => "Hourly value inconsistent with minute values",
            Rule::CumulativeBackwards => "Cumulative value went backwards",
        }
    }

    /// The rule's name in Chinese, for messages.
    pub fn name_zh(self) -> &'static str {
        match self {
            Rule::LimitCrossing => "实时值超限",
            Rule::Exceedance => "小时均值超标",
            Rule::AqiHigh => "空气质量指数超标",
            Rule::WaterBelowTarget => "断面水质未达目标",
            Rule::DrinkingWaterBelowIii => "饮用水源未达水质目标",
            Rule::UpstreamDownstreamRise => "上下游浓度突增",
            Rule::DeviceOffline => "设备离线",
            Rule::DataMissing => "数据缺失",
            Rule::ClockDrift => "设备时钟偏差",
            Rule::AbnormalFlag => "异常数据标记持续",
            Rule::ConstantValue => "数据长时间恒值",
            Rule::NearLimit => "长时间贴线排放",
            Rule::DropWithFlow => "流量正常但浓度骤降",
            Rule::ZeroOrNegative => "浓度为零或负值",
            Rule::ConversionMismatch => "折算浓度与实测浓度、氧含量不符",
            Rule::HourMinuteMismatch => "小时值与分钟值不符",
            Rule::CumulativeBackwards => "累计值倒退",
        }
    }
}

/// What an alarm is about: at most one active alarm per key (de-duplication).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlarmKey {
    /// The point.
    pub point: PointId,
    /// The rule.
    pub rule: Rule,
    /// The parameter code, or empty for rules about the whole point (offline, clock).
    pub pollutant: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.as_str()), Some(rule));
        }
        for state in AlarmState::ALL {
            assert_eq!(AlarmState::parse(state.as_str()), Some(state));
        }
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
        assert_eq!(Rule::parse("nope"), None);
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        use AlarmAction::*;
        use AlarmState::*;
        assert_eq!(Open.apply(Acknowledge), Ok(Acknowledged));
        assert_eq!(Open.apply(Close), Ok(Closed));
        assert_eq!(Acknowledged.apply(Close), Ok(Closed));
        assert_eq!(Acknowledged.apply(Assign), Ok(Acknowledged));
        let error = Acknowledged.apply(Acknowledge).unwrap_err();
        assert_eq!(error, TransitionError { from: Acknowledged, action: Acknowledge });
        assert_eq!(error.to_string(), "cannot acknowledge an alarm that is acknowledged (已确认)");
        assert!(Closed.apply(Close).is_err());
        assert!(Closed.apply(Assign).is_err());
        assert!(!Closed.is_active());
    }
}
