//! Emission exceedance against a point's permit limits
//! (`emission-limits.md`).
//!
//! The crate knows neither HJ 212 nor storage: the platform passes, per
//! outlet and pollutant, plain [`Reading`]s (start time in Beijing time,
//! value, measured O₂, data flag text) and a [`PermitLimit`].
//!
//! - [`converted_concentration`]: C_ref = C × (21 − O₂_ref) / (21 − O₂)
//!   (GB 13271-2014 eq. 1; GB 39726-2020 eq. 1; GB 18484-2020 eq. 6).
//! - [`judge`]: every period judged, flagged or incomplete ones excluded,
//!   exceedance multiples, and consecutive exceeding periods merged into
//!   [`Episode`]s.
//! - [`aggregate`]: an average with its validity (HJ 212-2017 flag rules;
//!   GB 18484-2020 3.18–3.19).
//!
//! ```
//! use chrono::NaiveDate;
//! use standards::emission::{judge, Averaging, Conversion, DataFlag, JudgeOptions, LimitBound, PermitLimit, Reading};
//! use standards::water::Decimal;
//!
//! let d = |s: &str| Decimal::parse(s).unwrap();
//! let limit = PermitLimit {
//!     pollutant: "SO2".into(),
//!     bound: LimitBound::Max(d("200")),
//!     unit: "mg/m3".into(),
//!     averaging: Averaging::Hour,
//!     conversion: Conversion::ReferenceOxygen { reference_o2_pct: d("9"), air_o2_pct: d("21") },
//! };
//! let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
//! let reading = Reading { start_beijing: start, value: Some(d("150")), o2_pct: Some(d("13")), flag: DataFlag::parse("N") };
//! let report = judge(&[reading], &limit, &JudgeOptions::default());
//! // 150 × (21 − 9) / (21 − 13) = 225 > 200: multiple 0.125, one 1-hour episode.
//! assert_eq!(report.episodes.len(), 1);
//! assert_eq!(report.episodes[0].max_multiple, Some(d("0.125")));
//! ```

use std::fmt;

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::water::Decimal;

/// A data flag (数据标记) of HJ 212-2017 (`-Flag`, table 8 of the standard;
/// `emission-limits.md` §4), plus `P` of HJ/T 212-2005.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataFlag {
    /// Normal (正常).
    N,
    /// Source or instrument stopped (停运).
    F,
    /// Maintenance (维护).
    M,
    /// Manually set value (手工输入).
    S,
    /// Instrument fault (故障).
    D,
    /// Calibration (校准).
    C,
    /// Above the upper measuring limit (超测上限).
    T,
    /// Instrument–DAS communication abnormal (通讯异常).
    B,
    /// Power failure (HJ/T 212-2005).
    P,
    /// Any other text, kept as given (including an empty flag).
    Other(String),
}

impl DataFlag {
    /// Parses flag text: one of the letters above in either case, after
    /// trimming; anything else is [`DataFlag::Other`]. Never fails: an odd
    /// flag is data, judged by the [`FlagPolicy`].
    pub fn parse(text: &str) -> DataFlag {
        match text.trim() {
            "N" | "n" => DataFlag::N,
            "F" | "f" => DataFlag::F,
            "M" | "m" => DataFlag::M,
            "S" | "s" => DataFlag::S,
            "D" | "d" => DataFlag::D,
            "C" | "c" => DataFlag::C,
            "T" | "t" => DataFlag::T,
            "B" | "b" => DataFlag::B,
            "P" | "p" => DataFlag::P,
            other => DataFlag::Other(other.to_owned()),
        }
    }

    /// The flag text.
    pub fn as_str(&self) -> &str {
        match self {
            DataFlag::N => "N",
            DataFlag::F => "F",
            DataFlag::M => "M",
            DataFlag::S => "S",
            DataFlag::D => "D",
            DataFlag::C => "C",
            DataFlag::T => "T",
            DataFlag::B => "B",
            DataFlag::P => "P",
            DataFlag::Other(text) => text,
        }
    }
}

impl fmt::Display for DataFlag {
    /// The flag text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which data flags make a value usable for an exceedance judgment and for
/// averages. Which flags exclude data is set by HJ 75-2017 and the MEE
/// marking rules, **unverified** here (`emission-limits.md` §4); N is the
/// only flag that means "normal".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlagPolicy {
    /// The flags whose values are valid. Default: `N` only, so F, M, S, D,
    /// C, T, B, P and unknown flags are excluded. Note that `T` (above the
    /// measuring range) is excluded by default although its true value is
    /// at least the range's top; add it here to count it at its reported
    /// value.
    pub valid_flags: Vec<DataFlag>,
}

impl Default for FlagPolicy {
    fn default() -> Self {
        FlagPolicy { valid_flags: vec![DataFlag::N] }
    }
}

impl FlagPolicy {
    /// Whether values with `flag` are valid.
    pub fn is_valid(&self, flag: &DataFlag) -> bool {
        self.valid_flags.contains(flag)
    }
}

/// The bound a permit sets (`emission-limits.md` §1, §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitBound {
    /// A maximum concentration: a value equal to it meets it.
    Max(Decimal),
    /// A range such as pH 6–9 (inclusive); no multiple is defined.
    Range {
        /// Lowest allowed value.
        low: Decimal,
        /// Highest allowed value.
        high: Decimal,
    },
}

/// The averaging period the limit applies to; it comes from the sector
/// standard or the permit, never hard-coded (`emission-limits.md` §2):
/// usually hourly for flue gas (GB 39726-2020 8.3–8.4), daily for
/// wastewater (GB 18918-2002 4.1.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Averaging {
    /// One-hour average.
    Hour,
    /// Daily (24 h) average.
    Day,
}

impl Averaging {
    /// The period's length.
    pub fn length(self) -> TimeDelta {
        match self {
            Averaging::Hour => TimeDelta::hours(1),
            Averaging::Day => TimeDelta::hours(24),
        }
    }
}

/// Whether values are judged as measured or converted to reference oxygen
/// (`emission-limits.md` §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conversion {
    /// The measured concentration is judged (wastewater; furnaces where
    /// GB 39726-2020 4.5 sets no reference oxygen).
    Measured,
    /// The converted concentration (折算浓度) is judged.
    ReferenceOxygen {
        /// The reference O₂ in % by volume, e.g. 9 for coal-fired boilers
        /// (GB 13271-2014 table 6).
        reference_o2_pct: Decimal,
        /// The O₂ content of the combustion air: 21 for air; the enriched
        /// value for oxygen-enriched combustion (GB 18484-2020 eq. 6).
        air_o2_pct: Decimal,
    },
}

/// A point's permit limit for one pollutant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermitLimit {
    /// The pollutant's name or code as the platform knows it (not interpreted).
    pub pollutant: String,
    /// The limit.
    pub bound: LimitBound,
    /// The unit of the limit and the values, e.g. `mg/m3` (not interpreted;
    /// the caller passes values in this unit).
    pub unit: String,
    /// The averaging period of the values and of the limit.
    pub averaging: Averaging,
    /// Measured or converted concentration.
    pub conversion: Conversion,
}

/// One period's average as stored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// Start of the period, Beijing wall-clock time.
    pub start_beijing: NaiveDateTime,
    /// The measured average concentration; `None` if missing.
    pub value: Option<Decimal>,
    /// The measured O₂ in % by volume of dry gas, if any.
    pub o2_pct: Option<Decimal>,
    /// The data flag.
    pub flag: DataFlag,
}

/// Options for [`judge`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JudgeOptions {
    /// Which flags are valid. Default `N` only.
    pub flags: FlagPolicy,
    /// Periods whose measured O₂ is above this are excluded as not
    /// representative (e.g. the source is stopped). Default `None`: only the
    /// formula's guard (O₂ below the air's O₂) applies; HJ 75-2017 rules on
    /// this are **unverified** and not implemented from memory.
    pub oxygen_ceiling_pct: Option<Decimal>,
}

/// Why a period is left out of the judgment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// Its flag is not valid under the [`FlagPolicy`].
    Flag(DataFlag),
    /// No value.
    MissingValue,
    /// A negative concentration, which cannot be a result.
    NegativeValue,
    /// Conversion is required but no O₂ was measured.
    MissingOxygen,
    /// Measured O₂ at or above the air's O₂ (conversion undefined: division
    /// by zero or a negative number).
    OxygenAtOrAboveAir {
        /// The measured O₂ in %.
        o2_pct: Decimal,
    },
    /// Measured O₂ above [`JudgeOptions::oxygen_ceiling_pct`].
    OxygenAboveCeiling {
        /// The measured O₂ in %.
        o2_pct: Decimal,
    },
    /// The limit's reference O₂ is at or above the air's O₂, or negative.
    InvalidReferenceOxygen,
    /// The converted concentration does not fit the decimal range.
    OutOfRange,
}

impl Exclusion {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Exclusion::Flag(_) => "flag",
            Exclusion::MissingValue => "missing_value",
            Exclusion::NegativeValue => "negative_value",
            Exclusion::MissingOxygen => "missing_oxygen",
            Exclusion::OxygenAtOrAboveAir { .. } => "oxygen_at_or_above_air",
            Exclusion::OxygenAboveCeiling { .. } => "oxygen_above_ceiling",
            Exclusion::InvalidReferenceOxygen => "invalid_reference_oxygen",
            Exclusion::OutOfRange => "out_of_range",
        }
    }
}

/// The outcome of one period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Valid and within the limit.
    Meets {
        /// The judged concentration (converted if required), rounded half
        /// away from zero to 6 places.
        concentration: Decimal,
    },
    /// Valid and above the limit (or outside the range).
    Exceeds {
        /// The judged concentration, rounded as above.
        concentration: Decimal,
        /// (C − limit) / limit, from the exact converted value; `None` for
        /// a range limit or a zero limit.
        multiple: Option<Decimal>,
    },
    /// Not judged.
    Excluded(Exclusion),
}

/// The converted concentration (折算浓度) C × (air − O₂_ref) / (air − O₂),
/// rounded half away from zero to 6 places (GB 13271-2014 eq. 1,
/// GB 39726-2020 eq. 1, GB 18484-2020 eq. 6; air = 21 for combustion in
/// air). `None` when O₂ ≥ air (undefined, `emission-limits.md` §1 guard),
/// when O₂_ref ≥ air, or when a value is negative.
pub fn converted_concentration(
    measured: Decimal,
    o2_pct: Decimal,
    reference_o2_pct: Decimal,
    air_o2_pct: Decimal,
) -> Option<Decimal> {
    let (numerator, denominator) = conversion_factor(o2_pct, reference_o2_pct, air_o2_pct).ok()?;
    if measured.is_negative() {
        return None;
    }
    Decimal::from_ratio(
        i128::from(measured.micros()) * numerator,
        denominator * i128::from(Decimal::SCALE),
    )
}

/// The conversion factor as (air − O₂_ref, air − O₂) in millionths.
fn conversion_factor(
    o2_pct: Decimal,
    reference_o2_pct: Decimal,
    air_o2_pct: Decimal,
) -> Result<(i128, i128), Exclusion> {
    let numerator = i128::from(air_o2_pct.micros()) - i128::from(reference_o2_pct.micros());
    if numerator <= 0 || reference_o2_pct.is_negative() {
        return Err(Exclusion::InvalidReferenceOxygen);
    }
    let denominator = i128::from(air_o2_pct.micros()) - i128::from(o2_pct.micros());
    if denominator <= 0 {
        return Err(Exclusion::OxygenAtOrAboveAir { o2_pct });
    }
    Ok((numerator, denominator))
}

/// The exceedance multiple (超标倍数) (C − limit) / limit, rounded half away
/// from zero to 6 places, when C is above the limit; `None` otherwise or
/// for a limit ≤ 0 (`emission-limits.md`; the brief's definition).
pub fn exceedance_multiple(concentration: Decimal, limit: Decimal) -> Option<Decimal> {
    if limit.micros() <= 0 || concentration <= limit {
        return None;
    }
    Decimal::from_ratio(
        i128::from(concentration.micros()) - i128::from(limit.micros()),
        i128::from(limit.micros()),
    )
}

/// Judges one period: excluded if its flag is not valid, its value is
/// missing or negative, or (for converted concentrations) its O₂ is missing
/// or at or above the air's O₂; otherwise the measured or converted
/// concentration against the limit, compared exactly (C × (air − O₂_ref)
/// against limit × (air − O₂), so no rounding decides a case at the limit).
/// A value equal to the limit meets it (`emission-limits.md` §1, §4).
pub fn judge_period(reading: &Reading, limit: &PermitLimit, options: &JudgeOptions) -> Outcome {
    if !options.flags.is_valid(&reading.flag) {
        return Outcome::Excluded(Exclusion::Flag(reading.flag.clone()));
    }
    let Some(value) = reading.value else { return Outcome::Excluded(Exclusion::MissingValue) };
    if value.is_negative() {
        return Outcome::Excluded(Exclusion::NegativeValue);
    }
    let (numerator, denominator) = match limit.conversion {
        Conversion::Measured => (1, 1),
        Conversion::ReferenceOxygen { reference_o2_pct, air_o2_pct } => {
            let Some(o2_pct) = reading.o2_pct else {
                return Outcome::Excluded(Exclusion::MissingOxygen);
            };
            if options.oxygen_ceiling_pct.is_some_and(|ceiling| o2_pct > ceiling) {
                return Outcome::Excluded(Exclusion::OxygenAboveCeiling { o2_pct });
            }
            match conversion_factor(o2_pct, reference_o2_pct, air_o2_pct) {
                Ok(factor) => factor,
                Err(exclusion) => return Outcome::Excluded(exclusion),
            }
        }
    };
    // The judged concentration is value × numerator / denominator exactly.
    let scaled_value = i128::from(value.micros()) * numerator;
    let Some(concentration) =
        Decimal::from_ratio(scaled_value, denominator * i128::from(Decimal::SCALE))
    else {
        return Outcome::Excluded(Exclusion::OutOfRange);
    };
    match limit.bound {
        LimitBound::Max(max) => {
            let scaled_limit = i128::from(max.micros()) * denominator;
            if scaled_value > scaled_limit {
                let multiple = if max.micros() > 0 {
                    Decimal::from_ratio(scaled_value - scaled_limit, scaled_limit)
                } else {
                    None
                };
                Outcome::Exceeds { concentration, multiple }
            } else {
                Outcome::Meets { concentration }
            }
        }
        LimitBound::Range { low, high } => {
            let below = scaled_value < i128::from(low.micros()) * denominator;
            let above = scaled_value > i128::from(high.micros()) * denominator;
            if below || above {
                Outcome::Exceeds { concentration, multiple: None }
            } else {
                Outcome::Meets { concentration }
            }
        }
    }
}

/// One judged period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PeriodJudgement {
    /// Start of the period, Beijing time.
    pub start_beijing: NaiveDateTime,
    /// The outcome.
    pub outcome: Outcome,
}

/// Consecutive exceeding periods merged: each period starts no later than
/// the previous one ends. A missing, excluded or compliant period ends an
/// episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Episode {
    /// Start of the first period, Beijing time.
    pub start_beijing: NaiveDateTime,
    /// End of the last period (its start plus the averaging length).
    pub end_beijing: NaiveDateTime,
    /// Number of exceeding periods.
    pub n_periods: usize,
    /// Duration in whole hours, end − start.
    pub hours: i64,
    /// The largest multiple in the episode (`None` for range limits).
    pub max_multiple: Option<Decimal>,
    /// The largest judged concentration in the episode.
    pub max_concentration: Decimal,
}

/// The exceedance report of one pollutant at one point.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ExceedanceReport {
    /// Every period, sorted by start (stable for equal starts).
    pub periods: Vec<PeriodJudgement>,
    /// Exceedance episodes in time order.
    pub episodes: Vec<Episode>,
    /// Periods judged (meets or exceeds).
    pub n_valid: usize,
    /// Periods excluded.
    pub n_excluded: usize,
    /// Periods exceeding.
    pub n_exceeding: usize,
}

/// Judges a point's period averages against its permit limit
/// ([`judge_period`] for each) and merges consecutive exceeding periods into
/// episodes with start, end, hours and maximum multiple (`emission-limits.md`
/// §1–§4). The input order does not matter.
pub fn judge(
    readings: &[Reading],
    limit: &PermitLimit,
    options: &JudgeOptions,
) -> ExceedanceReport {
    let mut sorted: Vec<&Reading> = readings.iter().collect();
    sorted.sort_by_key(|r| r.start_beijing);
    let periods: Vec<PeriodJudgement> = sorted
        .iter()
        .map(|r| PeriodJudgement {
            start_beijing: r.start_beijing,
            outcome: judge_period(r, limit, options),
        })
        .collect();
    let length = limit.averaging.length();
    let mut episodes: Vec<Episode> = Vec::new();
    let mut open = false;
    for period in &periods {
        let Outcome::Exceeds { concentration, multiple } = period.outcome else {
            open = false;
            continue;
        };
        let end = period.start_beijing.checked_add_signed(length).unwrap_or(period.start_beijing);
        match episodes.last_mut() {
            Some(episode) if open && period.start_beijing <= episode.end_beijing => {
                episode.end_beijing = episode.end_beijing.max(end);
                episode.n_periods += 1;
                episode.max_multiple = episode.max_multiple.max(multiple);
                episode.max_concentration = episode.max_concentration.max(concentration);
                episode.hours = (episode.end_beijing - episode.start_beijing).num_hours();
            }
            _ => episodes.push(Episode {
                start_beijing: period.start_beijing,
                end_beijing: end,
                n_periods: 1,
                hours: (end - period.start_beijing).num_hours(),
                max_multiple: multiple,
                max_concentration: concentration,
            }),
        }
        open = true;
    }
    let n_excluded = periods.iter().filter(|p| matches!(p.outcome, Outcome::Excluded(_))).count();
    let n_exceeding =
        periods.iter().filter(|p| matches!(p.outcome, Outcome::Exceeds { .. })).count();
    ExceedanceReport {
        n_valid: periods.len() - n_excluded,
        periods,
        episodes,
        n_excluded,
        n_exceeding,
    }
}

/// When an average is valid (`emission-limits.md` §3–§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidityRule {
    /// Valid when valid values ≥ this percentage of the expected count:
    /// HJ 212-2017 flue gas, 75 % (an hour needs 45 of 60 minute values).
    MinSharePercent(u32),
    /// Valid with at least this many valid values: GB 18484-2020 3.18–3.19,
    /// a daily mean needs ≥ 20 valid hourly means.
    MinCount(usize),
    /// Valid only when every expected value is present and valid: HJ 212-2017
    /// water, any abnormal value makes the aggregate abnormal.
    AllNormal,
}

impl ValidityRule {
    /// HJ 212-2017 flue gas: ≥ 75 % normal values.
    pub const FLUE_GAS: ValidityRule = ValidityRule::MinSharePercent(75);
    /// GB 18484-2020 3.18: a daily mean from ≥ 20 valid hourly means.
    pub const INCINERATOR_DAY: ValidityRule = ValidityRule::MinCount(20);
    /// HJ 212-2017 water: any abnormal value makes the aggregate abnormal.
    pub const WATER: ValidityRule = ValidityRule::AllNormal;
}

/// An average and its validity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Aggregate {
    /// Mean of the valid values, rounded half away from zero to 6 places;
    /// given even when the aggregate is not valid, `None` without valid
    /// values.
    pub mean: Option<Decimal>,
    /// Mean O₂ of the valid values that carry one.
    pub mean_o2_pct: Option<Decimal>,
    /// Valid values used.
    pub n_valid: usize,
    /// Values expected in the interval (e.g. 60 minutes, 24 hours).
    pub n_expected: usize,
    /// Whether the average is valid under the rule.
    pub valid: bool,
    /// The aggregate's flag: `N` when valid; otherwise `D` (HJ 212-2017,
    /// flue gas), or for [`ValidityRule::AllNormal`] the first non-valid
    /// flag met (`D` if the values were only missing).
    pub flag: DataFlag,
}

/// Averages the values of an interval (minute values into an hour, hourly
/// means into a day) and says whether the average is valid (HJ 212-2017
/// flag rules; GB 18484-2020 3.18–3.19; `emission-limits.md` §3–§4).
/// A value is valid when its flag is valid under `flags` and it is present
/// and not negative; invalid values are excluded, never counted as zero.
/// Values and O₂ are averaged separately, as given (measured or converted);
/// whether to convert before or after averaging is the caller's choice.
pub fn aggregate(
    readings: &[Reading],
    n_expected: usize,
    rule: ValidityRule,
    flags: &FlagPolicy,
) -> Aggregate {
    let valid: Vec<&Reading> = readings
        .iter()
        .filter(|r| flags.is_valid(&r.flag) && r.value.is_some_and(|v| !v.is_negative()))
        .collect();
    let values: Vec<Decimal> = valid.iter().filter_map(|r| r.value).collect();
    let o2: Vec<Decimal> = valid.iter().filter_map(|r| r.o2_pct).collect();
    let n_valid = values.len();
    let is_valid = match rule {
        ValidityRule::MinSharePercent(percent) => {
            n_expected > 0 && 100 * n_valid as u128 >= u128::from(percent) * n_expected as u128
        }
        ValidityRule::MinCount(n) => n_valid >= n.max(1),
        ValidityRule::AllNormal => {
            n_expected > 0 && n_valid >= n_expected && n_valid == readings.len()
        }
    };
    let flag = if is_valid {
        DataFlag::N
    } else {
        match rule {
            ValidityRule::AllNormal => readings
                .iter()
                .map(|r| &r.flag)
                .find(|f| !flags.is_valid(f))
                .cloned()
                .unwrap_or(DataFlag::D),
            _ => DataFlag::D,
        }
    };
    Aggregate {
        mean: Decimal::mean(&values),
        mean_o2_pct: Decimal::mean(&o2),
        n_valid,
        n_expected,
        valid: is_valid,
        flag,
    }
}

impl Serialize for DataFlag {
    /// As the flag text.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DataFlag {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<DataFlag, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(DataFlag::parse(&text))
    }
}
