//! Ambient air evaluation: GB 3095 validity and limits, HJ 663 statistics.
//!
//! From a station's (or a district's) hourly series to per-day results
//! (daily means with validity, O3 8-hour moving averages and MDA8, daily AQI
//! with primary pollutants) and per-period statistics (annual means,
//! percentiles, day counts, compliance with GB 3095 class 1 and 2, the
//! composite index), each under the dated [`AirEdition`] that applies.
//!
//! Missing data is a state, never an error and never zero: every statistic
//! carries its [`Validity`] ("17 valid, 20 required, 24 possible").
//!
//! Entry points:
//! - [`evaluate_station`]: series → [`StationEvaluation`] (days + period);
//! - [`evaluate_days_into`] + [`period_statistics_with`]: the same with
//!   reused buffers, for bulk work;
//! - [`hourly_aqi_series`]: the real-time (hourly) AQI of every hour;
//! - [`district_hourly`]: a district series from its stations;
//! - [`percentile`], [`limit_milli`], [`hour_is_valid`]: the rules alone.
//!
//! ```
//! use chrono::NaiveDate;
//! use standards::air::{AirOptions, HourlySeries, evaluate_station};
//! use standards::aqi::{Indicator, Pollutant};
//! use standards::decimal::Conc;
//! use standards::edition::{AirEdition, EditionChoice, HourLabel};
//!
//! let (from, to) = (NaiveDate::from_ymd_opt(2026, 2, 27).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
//! // Dense hourly columns, missing = None, labelled by the hour's END
//! // (CNEMC): element 0 is 01:00 on `from`, i.e. the hour 00:00–01:00.
//! // HJ 212 `DataTime` labels would use HourLabel::PeriodStart and 00:00.
//! let n_hours = 4 * 24;
//! let value = |text: &str| Some(Conc::parse(text).unwrap());
//! let so2 = vec![value("12"); n_hours];
//! let no2 = vec![value("30"); n_hours];
//! let co = vec![value("1.2"); n_hours];
//! let o3 = vec![value("150"); n_hours];
//! let pm10 = vec![value("60"); n_hours];
//! let mut pm25 = vec![value("75"); n_hours];
//! pm25[5] = None; // a missing hour
//! let series = HourlySeries {
//!     first_label_beijing: from.and_hms_opt(1, 0, 0).unwrap(),
//!     label: HourLabel::PeriodEnd,
//!     columns: [&so2, &no2, &co, &o3, &pm10, &pm25], // Pollutant::ALL order
//! };
//! let options = AirOptions::default();
//! let result = evaluate_station(&series, from, to, EditionChoice::ByDate, &options).unwrap();
//!
//! // Daily rows: edition, PM2.5 mean and validity, AQI, level, primary.
//! let rows: Vec<String> = result
//!     .days
//!     .iter()
//!     .map(|d| {
//!         let pm = d.daily[Pollutant::Pm25.index()];
//!         format!(
//!             "{} {} pm25={} ({}/24) aqi={} {} primary={} pm25_iaqi={}",
//!             d.date,
//!             d.edition,
//!             pm.value.unwrap().to_conc(),
//!             pm.validity.n_valid,
//!             d.aqi.aqi.unwrap(),
//!             d.aqi.level().unwrap().category_en(),
//!             d.aqi.primary, // `|`-joined indicator names, empty when AQI ≤ 50
//!             d.aqi.iaqi_of(Indicator::Pm25).unwrap(),
//!         )
//!     })
//!     .collect();
//! assert_eq!(rows[0], "2026-02-27 HJ 633-2012 pm25=75 (23/24) aqi=100 Good primary=PM2.5 pm25_iaqi=100");
//! assert_eq!(rows[2], "2026-03-01 HJ 633-2026 pm25=75 (24/24) aqi=114 Lightly polluted primary=PM2.5 pm25_iaqi=114");
//!
//! // The period spans 2026-03-01, so it comes back in two pieces.
//! let period = &result.period;
//! assert!(period.is_piecewise());
//! let after = &period.pieces[1];
//! assert_eq!((after.edition, after.days.n_days, after.days.n_over), (AirEdition::Hj633_2026, 2, 2));
//! let pm25_stats = &after.pollutants[Pollutant::Pm25.index()];
//! assert_eq!(pm25_stats.mean.unwrap().to_string(), "75");
//! assert_eq!(pm25_stats.class2.complies, Some(false)); // annual limit 30 (transition)
//!
//! // The same period under the 2012 rules, for comparison: one piece.
//! let fixed = EditionChoice::Fixed(AirEdition::Hj633_2012);
//! let as_2012 = evaluate_station(&series, from, to, fixed, &options).unwrap();
//! assert_eq!(as_2012.period.pieces.len(), 1);
//! assert_eq!(as_2012.days[3].aqi.aqi, Some(100));
//! ```

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::aqi::{
    AqiOptions, AqiReport, DailyInput, Indicator, Pollutant, PollutantSet, RealtimeConcs,
    input_precision,
};
use crate::decimal::{Conc, MeanConc, div_round_half_even};
use crate::edition::{AirEdition, EditionChoice, HourLabel, LimitSet};
use crate::error::{Error, Result};

// ---------------------------------------------------------------------------
// Limits (GB 3095 table 1)
// ---------------------------------------------------------------------------

/// Ambient function class (GB 3095 4.1): class 1 for nature reserves and
/// scenic areas, class 2 for residential, commercial, industrial and rural
/// areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 一类区.
    One,
    /// 二类区.
    Two,
}

/// Averaging time of a GB 3095 limit (GB 3095 table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Averaging {
    /// Annual mean (年平均).
    Annual,
    /// 24-hour mean (24小时平均).
    Daily,
    /// 1-hour mean (1小时平均).
    Hourly,
    /// Daily maximum 8-hour mean (日最大8小时平均), O3 only.
    Mda8,
}

/// The GB 3095 concentration limit in thousandths of the unit (µg/m³; CO
/// mg/m³), or `None` when the table has no such limit
/// (GB 3095-2012 table 1; GB 3095-2026 table 1, transition and final).
pub fn limit_milli(
    set: LimitSet,
    class: Class,
    pollutant: Pollutant,
    averaging: Averaging,
) -> Option<i64> {
    use Averaging::*;
    use Pollutant::*;
    let c2 = class == Class::Two;
    let units: i64 = match (set, pollutant, averaging) {
        (_, So2, Hourly) => {
            if c2 && set != LimitSet::Gb3095_2026Final {
                500
            } else {
                150
            }
        }
        (_, So2, Daily) => {
            if c2 && set != LimitSet::Gb3095_2026Final {
                150
            } else {
                50
            }
        }
        (_, So2, Annual) => {
            if c2 && set != LimitSet::Gb3095_2026Final {
                60
            } else {
                20
            }
        }
        (_, No2, Hourly) => 200,
        (LimitSet::Gb3095_2026Final, No2, Daily) => 50,
        (_, No2, Daily) => 80,
        (LimitSet::Gb3095_2026Final, No2, Annual) => 30,
        (_, No2, Annual) => 40,
        (_, Co, Hourly) => 10,
        (_, Co, Daily) => 4,
        (_, O3, Hourly) => {
            if c2 {
                200
            } else {
                160
            }
        }
        (_, O3, Mda8) => {
            if c2 {
                160
            } else {
                100
            }
        }
        (LimitSet::Gb3095_2012, Pm10, Annual) => {
            if c2 {
                70
            } else {
                40
            }
        }
        (LimitSet::Gb3095_2012, Pm10, Daily) => {
            if c2 {
                150
            } else {
                50
            }
        }
        (LimitSet::Gb3095_2026Transition, Pm10, Annual) => {
            if c2 {
                60
            } else {
                40
            }
        }
        (LimitSet::Gb3095_2026Transition, Pm10, Daily) => {
            if c2 {
                120
            } else {
                50
            }
        }
        (LimitSet::Gb3095_2026Final, Pm10, Annual) => {
            if c2 {
                50
            } else {
                20
            }
        }
        (LimitSet::Gb3095_2026Final, Pm10, Daily) => {
            if c2 {
                100
            } else {
                50
            }
        }
        (LimitSet::Gb3095_2012, Pm25, Annual) => {
            if c2 {
                35
            } else {
                15
            }
        }
        (LimitSet::Gb3095_2012, Pm25, Daily) => {
            if c2 {
                75
            } else {
                35
            }
        }
        (LimitSet::Gb3095_2026Transition, Pm25, Annual) => {
            if c2 {
                30
            } else {
                15
            }
        }
        (LimitSet::Gb3095_2026Transition, Pm25, Daily) => {
            if c2 {
                60
            } else {
                35
            }
        }
        (LimitSet::Gb3095_2026Final, Pm25, Annual) => {
            if c2 {
                25
            } else {
                10
            }
        }
        (LimitSet::Gb3095_2026Final, Pm25, Daily) => {
            if c2 {
                50
            } else {
                25
            }
        }
        _ => return None,
    };
    Some(units * 1000)
}

/// The daily statistic of a pollutant judged against GB 3095: the 24 h mean,
/// or for O3 the MDA8 (GB 3095 table 1; HJ 663 table 1).
fn daily_averaging(pollutant: Pollutant) -> Averaging {
    if pollutant == Pollutant::O3 { Averaging::Mda8 } else { Averaging::Daily }
}

// ---------------------------------------------------------------------------
// Validity
// ---------------------------------------------------------------------------

/// Minimum valid hourly means for a 24 h mean (GB 3095 table 4).
pub const DAILY_MIN_HOURS: u32 = 20;
/// Minimum valid hourly means in an 8 h window (GB 3095 table 4).
pub const EIGHT_HOUR_MIN_HOURS: u32 = 6;
/// Minimum valid 8 h values between 8:00 and 24:00 for the MDA8
/// (HJ 663-2013, air-evaluation.md §3; partly verified).
pub const MDA8_MIN_WINDOWS: u32 = 14;
/// Minimum valid daily values per year for annual statistics (GB 3095 table 4).
pub const ANNUAL_MIN_DAYS: u32 = 324;
/// Minimum valid daily values per month, February excepted (GB 3095 table 4).
pub const MONTH_MIN_DAYS: u32 = 27;
/// Minimum valid daily values in February (GB 3095 table 4).
pub const FEBRUARY_MIN_DAYS: u32 = 25;
/// Minimum sampling minutes for a valid 1 h mean (GB 3095 table 4).
pub const HOUR_MIN_SAMPLING_MINUTES: u32 = 45;

/// Whether an hourly mean with `sampling_minutes` of sampling is valid
/// (GB 3095 table 4: at least 45 minutes per hour). Pass invalid hours to
/// the evaluators as `None`.
pub fn hour_is_valid(sampling_minutes: u32) -> bool {
    sampling_minutes >= HOUR_MIN_SAMPLING_MINUTES
}

/// How many values were valid against how many the rule requires
/// (GB 3095 table 4), e.g. "17 valid, 20 required, 24 possible".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Validity {
    /// Valid values found.
    pub n_valid: u32,
    /// Minimum the rule requires.
    pub n_required: u32,
    /// Values the period could hold.
    pub n_possible: u32,
}

impl Validity {
    /// Whether the minimum is met.
    pub fn is_met(self) -> bool {
        self.n_valid >= self.n_required
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} valid, {} required, {} possible",
            self.n_valid, self.n_required, self.n_possible
        )
    }
}

/// Minimum daily values for the month of `month` (GB 3095 table 4: 27,
/// February 25).
pub fn month_min_days(month: u32) -> u32 {
    if month == 2 { FEBRUARY_MIN_DAYS } else { MONTH_MIN_DAYS }
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/// Which 8 h windows the MDA8 is taken over.
///
/// **Unverified** for HJ 663-2026 (air-evaluation.md §1): HJ 663-2013
/// practice uses the 17 windows ending 8:00 … 24:00, wholly inside the day;
/// GB 3095-2026 3.9 says "the maximum of the 8 h moving averages within a
/// natural day".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mda8Windows {
    /// Windows ending 8:00 … 24:00 (default, both editions).
    #[default]
    EndingAt8To24,
    /// All 24 windows ending 1:00 … 24:00 (those ending before 8:00 reach
    /// into the previous day). Validity still counts windows ending 8–24.
    AllEndingInDay,
}

/// How a day whose daily AQI lacks an indicator enters the day counts.
///
/// **Unverified** (air-evaluation.md §7): HJ 633-2026 5.3.1 publishes such an
/// AQI only when > 100, so the day counts as over-standard but never as good;
/// no 2012-era rule was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IncompleteDay {
    /// Count it only when its AQI > 100 (default, both editions).
    #[default]
    CountOnlyIfOver100,
    /// Count it with the AQI of the indicators present.
    CountAsComputed,
    /// Never count it.
    Exclude,
}

/// Precision of period statistics (annual means, percentiles).
///
/// **Unverified** (air-evaluation.md §6): CNEMC publishes integers (CO one
/// decimal); the HJ 663-2026 rounding rules were not seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatisticRounding {
    /// Integers, CO one decimal, by GB/T 8170 (default).
    #[default]
    ReportingPrecision,
    /// Thousandths (the [`Conc`] scale).
    Milli,
}

/// Which standard values S_i divide the composite index.
///
/// **Unverified** for GB 3095-2026 (air-evaluation.md §8): implementations
/// divide by the class-2 transition limits; the ranking rule cites GB 3095-2012.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompositeLimits {
    /// Class-2 limits of the limit set applied to the period (default):
    /// annual for SO2, NO2, PM10, PM2.5; 24 h for CO; MDA8 for O3.
    #[default]
    ClassTwoOfLimitSet,
    /// Always the GB 3095-2012 class-2 values (60, 40, 70, 35, 4, 160).
    Gb3095_2012,
}

/// Rounding of the composite index's sub-indices; the total is the sum of
/// the rounded sub-indices.
///
/// **Unverified** (air-evaluation.md §8): commonly two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompositeRounding {
    /// Two decimals, half to even (default).
    #[default]
    Hundredths,
    /// Three decimals, half to even.
    Thousandths,
}

/// Which statistics decide annual compliance for SO2, NO2, PM10 and PM2.5.
///
/// **Unverified** (air-evaluation.md §5): the annual mean against the annual
/// limit is certain; also requiring the daily percentile (SO2/NO2 P98,
/// PM P95) within the 24 h limit rests on one source (E13). CO (P95) and O3
/// (P90 MDA8) are always judged by their percentile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DailyPercentileRule {
    /// Annual mean and daily percentile must both comply (default).
    #[default]
    AnnualMeanAndPercentile,
    /// Only the annual mean decides; the percentile is reported only.
    AnnualMeanOnly,
}

/// Options for the evaluation where the facts leave a choice; every field's
/// default is documented on its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AirOptions {
    /// AQI options (above-top rule, 2012 input rounding, O3 tie, pollutants
    /// not in the plan). The 2012 input rounding also sets the precision of
    /// 2012 daily statistics.
    pub aqi: AqiOptions,
    /// MDA8 windows; default [`Mda8Windows::EndingAt8To24`].
    pub mda8_windows: Mda8Windows,
    /// Minimum valid hours for the daily maximum 1 h O3 used by the 2012
    /// daily AQI. **Unverified**: no rule was found; default 20, as for a
    /// 24 h mean.
    pub o3_max_1h_min_hours: u32,
    /// Incomplete AQI days; default [`IncompleteDay::CountOnlyIfOver100`].
    pub incomplete_day: IncompleteDay,
    /// Period statistic precision; default [`StatisticRounding::ReportingPrecision`].
    pub statistic_rounding: StatisticRounding,
    /// Annual compliance rule; default [`DailyPercentileRule::AnnualMeanAndPercentile`].
    pub daily_percentile_rule: DailyPercentileRule,
    /// Composite index S_i; default [`CompositeLimits::ClassTwoOfLimitSet`].
    pub composite_limits: CompositeLimits,
    /// Composite index rounding; default [`CompositeRounding::Hundredths`].
    pub composite_rounding: CompositeRounding,
    /// Minimum stations with a valid value for a district hourly value.
    /// **Unverified**: the district (city-scale) rule is not in our facts;
    /// default 1.
    pub district_min_stations: u32,
}

impl Default for AirOptions {
    fn default() -> AirOptions {
        AirOptions {
            aqi: AqiOptions::default(),
            mda8_windows: Mda8Windows::default(),
            o3_max_1h_min_hours: DAILY_MIN_HOURS,
            incomplete_day: IncompleteDay::default(),
            statistic_rounding: StatisticRounding::default(),
            daily_percentile_rule: DailyPercentileRule::default(),
            composite_limits: CompositeLimits::default(),
            composite_rounding: CompositeRounding::default(),
            district_min_stations: 1,
        }
    }
}

// ---------------------------------------------------------------------------
// Series
// ---------------------------------------------------------------------------

/// A station's hourly means, one dense column per pollutant indexed by hour,
/// `None` for a missing, invalid or flagged hour (GB 3095 3.7; table 4).
///
/// Element `i` of every column is the hour labelled
/// `first_label_beijing + i hours` in the `label` convention, in Beijing
/// time. A column shorter than the others is missing beyond its end.
/// Units: µg/m³, CO mg/m³.
#[derive(Debug, Clone, Copy)]
pub struct HourlySeries<'a> {
    /// Label of element 0, Beijing time, on a whole hour.
    pub first_label_beijing: NaiveDateTime,
    /// Whether labels are hour starts (HJ 212) or hour ends (CNEMC).
    pub label: HourLabel,
    /// Hourly values per pollutant, indexed by [`Pollutant::index`].
    pub columns: [&'a [Option<Conc>]; 6],
}

impl HourlySeries<'_> {
    /// The start of hour 0 (Beijing), after checking it is a whole hour.
    fn first_start(&self) -> Result<NaiveDateTime> {
        let label = self.first_label_beijing;
        if label.minute() != 0 || label.second() != 0 || label.nanosecond() != 0 {
            return Err(Error::NotWholeHour { label });
        }
        Ok(match self.label {
            HourLabel::PeriodStart => label,
            HourLabel::PeriodEnd => {
                label.checked_sub_signed(Duration::hours(1)).ok_or(Error::NotWholeHour { label })?
            }
        })
    }

    /// Number of hours (the longest column).
    pub fn len(&self) -> usize {
        self.columns.iter().map(|c| c.len()).max().unwrap_or(0)
    }

    /// Whether the series has no hours.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Six hourly columns of float readings (in [`Pollutant::ALL`] order) as
/// concentrations: a value that is not a concentration (negative, absurd,
/// not finite) makes its hour missing, never zero (GB 3095 3.7). A missing
/// column is empty.
pub fn concentration_columns(values: &[Vec<Option<f64>>]) -> [Vec<Option<Conc>>; 6] {
    std::array::from_fn(|k| {
        values
            .get(k)
            .map(|column| column.iter().map(|v| v.and_then(|v| Conc::from_f64(v).ok())).collect())
            .unwrap_or_default()
    })
}

// ---------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------

/// A daily statistic with its validity; `value` is `Some` only when valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DailyValue {
    /// The statistic, exact; under HJ 633-2026 rounded by GB/T 8170 to
    /// integers (CO one decimal) (HJ 633-2026 4.2.2).
    pub value: Option<MeanConc>,
    /// Valid hours (or windows) against the requirement.
    pub validity: Validity,
}

/// The O3 daily maximum 8-hour mean (MDA8, GB 3095 3.9; HJ 663-2013).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mda8 {
    /// The MDA8 when valid.
    pub value: Option<MeanConc>,
    /// Valid 8 h values between 8:00 and 24:00 against 14 (of 17).
    pub validity: Validity,
    /// Valid although fewer than 14 windows, because the MDA8 exceeds the
    /// class-2 MDA8 limit (HJ 663-2013, air-evaluation.md §3).
    pub valid_by_exceedance: bool,
}

/// One day of one station (or district) (GB 3095 3.7–3.9; HJ 633 daily report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DayResult {
    /// The natural day (Beijing): hours starting 00:00..23:00, labelled by
    /// their end 01:00..24:00.
    pub date: NaiveDate,
    /// Edition applied.
    pub edition: AirEdition,
    /// GB 3095 limit set applied.
    pub limits: LimitSet,
    /// 24 h means per pollutant ([`Pollutant::index`]); 20 of 24 hours
    /// required (GB 3095 table 4). O3's 24 h mean is given for completeness;
    /// its evaluation statistic is the MDA8.
    pub daily: [DailyValue; 6],
    /// O3 MDA8.
    pub o3_mda8: Mda8,
    /// O3 daily maximum 1 h value (HJ 633-2012 daily indicator `O3_1h`).
    pub o3_max_1h: DailyValue,
    /// The daily AQI report.
    pub aqi: AqiReport,
}

impl DayResult {
    /// The day's evaluation statistic for `pollutant`: 24 h mean, or MDA8 for O3.
    pub fn statistic(&self, pollutant: Pollutant) -> Option<MeanConc> {
        if pollutant == Pollutant::O3 {
            self.o3_mda8.value
        } else {
            self.daily[pollutant.index()].value
        }
    }

    /// Whether the day's statistic exceeds the GB 3095 24 h (O3: MDA8) limit
    /// of `class`; `None` when the statistic is invalid.
    pub fn exceeds(&self, pollutant: Pollutant, class: Class) -> Option<bool> {
        let limit = limit_milli(self.limits, class, pollutant, daily_averaging(pollutant))?;
        self.statistic(pollutant).map(|v| v.exceeds_milli(limit))
    }
}

/// Hours before the day loaded for O3 windows reaching into the previous
/// day (an 8 h window ending 01:00 starts at 17:00 the day before).
pub const LOOKBACK: usize = 7;
/// Hours per pollutant in [`DayHours::from_hours`]: the 7 before the day,
/// then the day's 24.
pub const LOADED: usize = 24 + LOOKBACK;

/// One day's hourly values in evaluation form, reused from day to day
/// (allocation-free hot path): per pollutant the sum and count of the valid
/// hours starting 00:00..23:00 of the day, and for O3 the 31 hours from
/// 17:00 of the previous day (for 8 h windows).
#[derive(Debug, Clone)]
pub struct DayHours {
    sum_milli: [i64; 6],
    n_valid: [u32; 6],
    o3: [Option<Conc>; LOADED],
}

impl Default for DayHours {
    fn default() -> DayHours {
        DayHours { sum_milli: [0; 6], n_valid: [0; 6], o3: [None; LOADED] }
    }
}

/// The pollutants whose day needs only a sum (all but O3).
const SUMMED: [Pollutant; 5] =
    [Pollutant::So2, Pollutant::No2, Pollutant::Co, Pollutant::Pm10, Pollutant::Pm25];

/// The exact sum (thousandths) and the number of the present values among
/// stored forms (see [`Conc::stored`]): branch-free, so it vectorises.
fn stored_sum(stored: impl Iterator<Item = u32>) -> (i64, u32) {
    let (mut total, mut n) = (0u64, 0u32);
    for value in stored {
        total += u64::from(value);
        n += u32::from(value != 0);
    }
    // Each present value adds its thousandths + 1; at most 31 values below
    // 2^31 each, so the total fits in i64.
    (total as i64 - i64::from(n), n)
}

/// The exact sum (thousandths) and number of the present values of the 24
/// hours from `day_start` of a column; hours outside it are missing.
#[inline(always)]
fn day_sum(column: &[Option<Conc>], day_start: i64) -> (i64, u32) {
    // Fast path when the day's 24 hours lie inside the column: a
    // fixed-length array, which the compiler unrolls.
    let day: Option<&[Option<Conc>; 24]> = usize::try_from(day_start)
        .ok()
        .and_then(|start| column.get(start..start.checked_add(24)?))
        .and_then(|day| day.try_into().ok());
    match day {
        Some(day) => inside_day_sum(day),
        None => {
            let len = column.len() as i64;
            let at = |i: i64| if i >= 0 && i < len { column[i as usize] } else { None };
            stored_sum((0..24).map(|h| Conc::stored(at(day_start + h))))
        }
    }
}

/// [`day_sum`] of a day inside the column.
#[inline(always)]
fn inside_day_sum(day: &[Option<Conc>; 24]) -> (i64, u32) {
    stored_sum(day.iter().map(|&v| Conc::stored(v)))
}

impl DayHours {
    /// Builds from explicit hours: `hours[p]` holds 31 values of pollutant
    /// `p` ([`Pollutant::index`]): the 7 hours starting 17:00..23:00 of the
    /// previous day, then the hours starting 00:00..23:00 of the day.
    pub fn from_hours(hours: &[[Option<Conc>; LOADED]; 6]) -> DayHours {
        let mut day = DayHours::default();
        for pollutant in Pollutant::ALL {
            day.load(pollutant, &hours[pollutant.index()], LOOKBACK as i64);
        }
        day
    }

    /// Loads `pollutant` from a dense column where `day_start` is the index of
    /// the hour starting 00:00 of the day (may be negative or past the end:
    /// those hours are missing).
    pub fn load(&mut self, pollutant: Pollutant, column: &[Option<Conc>], day_start: i64) {
        self.load_from(pollutant, column, day_start, true);
    }

    fn load_from(
        &mut self,
        pollutant: Pollutant,
        column: &[Option<Conc>],
        day_start: i64,
        o3_lookback: bool,
    ) {
        let p = pollutant.index();
        let len = column.len() as i64;
        let at = |i: i64| if i >= 0 && i < len { column[i as usize] } else { None };
        if pollutant != Pollutant::O3 {
            (self.sum_milli[p], self.n_valid[p]) = day_sum(column, day_start);
            return;
        }
        let skip = if o3_lookback { 0 } else { LOOKBACK };
        let first = day_start - LOOKBACK as i64;
        for (k, hour) in self.o3.iter_mut().enumerate() {
            *hour = if k < skip { None } else { at(first + k as i64) };
        }
        (self.sum_milli[p], self.n_valid[p]) =
            stored_sum(self.o3[LOOKBACK..].iter().map(|&v| Conc::stored(v)));
    }
}

/// The 8 h windows ending at hour-ends `FIRST_END..=24` of the loaded O3
/// hours in stored form (window e covers loaded hours [LOOKBACK+e-8,
/// LOOKBACK+e)): the first window with the largest mean among those with at
/// least 6 hours (GB 3095 table 4) as (sum, count), and the number of such
/// windows ending 8–24 (HJ 663-2013). A constant first end lets the
/// compiler drop the bounds checks and unroll.
#[inline(always)]
fn mda8_windows<const FIRST_END: usize>(o3: &[Option<Conc>; LOADED]) -> (Option<(i64, u32)>, u32) {
    let stored = |hour: usize| Conc::stored(o3[hour]);
    let first_end = FIRST_END;
    let first_lo = LOOKBACK + first_end - 8;
    let (mut stored_total, mut n) = (0u64, 0u32);
    for value in (first_lo..first_lo + 8).map(stored) {
        stored_total += u64::from(value);
        n += u32::from(value != 0);
    }
    // Each window's mean as a key that orders like the mean: the sum times
    // 840 / n (840 = lcm(6, 7, 8), so exact), plus 1 so that a valid window
    // of zeros still beats "none"; 0 for a window with fewer than 6 hours.
    // Computed per window, off the running maximum's dependency chain.
    const WEIGHT: [i64; 9] = [0, 0, 0, 0, 0, 0, 140, 120, 105];
    // The best window so far: its key (0 while there is none), sum and count.
    let (mut best_key, mut best_sum, mut best_n) = (0i64, 0i64, 0u32);
    let mut n_windows: u32 = 0;
    for end in first_end..25usize {
        if end > first_end {
            // Slide by one hour: hour LOOKBACK+end-1 enters, LOOKBACK+end-9 leaves.
            let (enters, leaves) = (stored(LOOKBACK + end - 1), stored(LOOKBACK + end - 9));
            stored_total = stored_total + u64::from(enters) - u64::from(leaves);
            n = n + u32::from(enters != 0) - u32::from(leaves != 0);
        }
        let valid = n >= EIGHT_HOUR_MIN_HOURS;
        n_windows += u32::from(valid & (end >= 8));
        // At most 8 stored forms below 2^31 + 1 each: fits in i64, and so
        // does the sum times 140.
        let sum = stored_total as i64 - i64::from(n);
        let key = sum * WEIGHT[(n as usize).min(8)] + i64::from(valid);
        // The first of equal means is kept. Selected without branches,
        // since the values are data.
        let better = key > best_key;
        (best_key, best_sum, best_n) =
            std::hint::select_unpredictable(better, (key, sum, n), (best_key, best_sum, best_n));
    }
    let best = (best_n > 0).then_some((best_sum, best_n));
    (best, n_windows)
}

/// [`mda8_windows`] ending 8–24 of a day whose 24 hours are all present:
/// every window holds 8 hours, so means compare as sums, with no data-dependent
/// selection chain.
#[inline(always)]
fn full_day_mda8(o3: &[Option<Conc>; LOADED]) -> (Option<(i64, u32)>, u32) {
    let at = |hour: usize| u64::from(Conc::stored(o3[LOOKBACK + hour]));
    let mut stored_total: u64 = (0..8).map(at).sum();
    let mut best = stored_total;
    for end in 9..25usize {
        stored_total = stored_total + at(end - 1) - at(end - 9);
        best = best.max(stored_total);
    }
    // Stored forms are thousandths + 1, and all 8 hours are present.
    (Some((best as i64 - 8, 8)), 17)
}

/// [`mda8_windows`] ending 8–24 of a day with exactly one of its 24 hours
/// missing: the windows holding it have 7 hours and the others 8, so each
/// group's best is its largest sum (the first on ties, by the window's
/// position packed below the sum), and only the two bests are compared by
/// mean.
#[inline(always)]
fn one_missing_mda8(o3: &[Option<Conc>; LOADED]) -> (Option<(i64, u32)>, u32) {
    let at = |hour: usize| u64::from(Conc::stored(o3[LOOKBACK + hour]));
    // The missing hour: the only one whose stored form is 0.
    let missing: usize = (0..24).map(|hour| hour * usize::from(at(hour) == 0)).sum();
    let mut stored_total: u64 = (0..8).map(at).sum();
    // Per group, the largest (sum << 5 | 31 - end); 0 while there is none.
    // At most 8 stored forms below 2^31 + 1: the shift stays below 2^40.
    let (mut best8, mut best7) = (0u64, 0u64);
    for end in 8..25usize {
        if end > 8 {
            stored_total = stored_total + at(end - 1) - at(end - 9);
        }
        let packed = stored_total << 5 | (31 - end) as u64;
        // Window `end` holds hours end-8..end: it holds the missing hour
        // when end - (missing + 1) is in 0..8 (one unsigned comparison).
        let holds_missing = end.wrapping_sub(missing + 1) < 8;
        best7 = if holds_missing { best7.max(packed) } else { best7 };
        best8 = if holds_missing { best8 } else { best8.max(packed) };
    }
    // Stored forms are thousandths + 1: a group's sum is its total less n.
    let unpack =
        |packed: u64, n: u32| ((packed >> 5) as i64 - i64::from(n), n, 31 - (packed & 31) as usize);
    let best = match (best8, best7) {
        (0, 0) => None,
        (0, seven) => Some(unpack(seven, 7)),
        (eight, 0) => Some(unpack(eight, 8)),
        (eight, seven) => {
            let (e, s) = (unpack(eight, 8), unpack(seven, 7));
            // Means compared exactly as sum × 840 / n; the first window on ties.
            let (key8, key7) = (e.0 * 105, s.0 * 120);
            Some(if key8 > key7 || (key8 == key7 && e.2 < s.2) { e } else { s })
        }
    };
    (best.map(|(sum, n, _)| (sum, n)), 17)
}

/// Evaluates one day from its [`DayHours`]: 24 h means (GB 3095 3.7,
/// table 4: ≥ 20 hours), O3 8 h moving means (≥ 6 of 8 hours; mean of the
/// valid hours — project convention, unverified) and MDA8 (HJ 663-2013:
/// ≥ 14 valid windows ending 8–24, or above the limit), O3 maximum 1 h, and
/// the daily AQI (HJ 633 daily report).
#[inline]
pub fn evaluate_day_hours(
    date: NaiveDate,
    edition: AirEdition,
    hours: &DayHours,
    options: &AirOptions,
) -> DayResult {
    let mut day = DayResult::PLACEHOLDER;
    evaluate_day_into(date, edition, hours, &hours.o3, options, &mut day);
    day
}

impl DayResult {
    /// A day overwritten field by field by [`evaluate_day_into`].
    const PLACEHOLDER: DayResult = DayResult {
        date: NaiveDate::MIN,
        edition: AirEdition::Hj633_2012,
        limits: LimitSet::Gb3095_2012,
        daily: [DailyValue {
            value: None,
            validity: Validity { n_valid: 0, n_required: 0, n_possible: 0 },
        }; 6],
        o3_mda8: Mda8 {
            value: None,
            validity: Validity { n_valid: 0, n_required: 0, n_possible: 0 },
            valid_by_exceedance: false,
        },
        o3_max_1h: DailyValue {
            value: None,
            validity: Validity { n_valid: 0, n_required: 0, n_possible: 0 },
        },
        aqi: AqiReport::PLACEHOLDER,
    };
}

/// [`evaluate_day_hours`] writing every field of `out` in place, so that a
/// day is not built on the stack and then copied into the result vector.
/// The O3 hours come apart from `hours` (whose own copy is then not read),
/// so that a day inside its column is read from the column itself.
#[inline(always)]
fn evaluate_day_into(
    date: NaiveDate,
    edition: AirEdition,
    hours: &DayHours,
    o3: &[Option<Conc>; LOADED],
    options: &AirOptions,
    out: &mut DayResult,
) {
    let limits = edition.limit_set_on(date);
    // Each statistic is rounded once, to the AQI's input precision (HJ
    // 633-2026 4.2.2), and enters the AQI with its index in the IAQI table.
    let rounded = DailyInput::rounded;
    let precision = |pollutant| input_precision(edition, pollutant, &options.aqi);
    let mut inputs: [Option<DailyInput>; 7] = [None; 7];
    let daily = &mut out.daily;
    for pollutant in Pollutant::ALL {
        let p = pollutant.index();
        let (sum, n) = (hours.sum_milli[p], hours.n_valid[p]);
        let validity = Validity { n_valid: n, n_required: DAILY_MIN_HOURS, n_possible: 24 };
        let input = if validity.is_met() {
            MeanConc::new(sum, n).map(|m| rounded(m, precision(pollutant)))
        } else {
            None
        };
        daily[p] = DailyValue { value: input.map(|i| i.conc), validity };
        if pollutant != Pollutant::O3 {
            inputs[Indicator::of_daily(pollutant).index()] = input;
        }
    }

    // O3 from the 31 loaded hours.
    let n_o3_hours = hours.n_valid[Pollutant::O3.index()];
    // In stored form missing hours are 0 and present ones ≥ 1, so the plain
    // maximum is the maximum of the present hours whenever there is one.
    let max_1h =
        Conc::from_stored(o3[LOOKBACK..].iter().map(|&v| Conc::stored(v)).max().unwrap_or(0));
    let o3_precision = precision(Pollutant::O3);
    let max_validity =
        Validity { n_valid: n_o3_hours, n_required: options.o3_max_1h_min_hours, n_possible: 24 };
    let max_1h_input = match max_1h {
        Some(c) if max_validity.is_met() => Some(rounded(c.into(), o3_precision)),
        _ => None,
    };
    let o3_max_1h = DailyValue { value: max_1h_input.map(|i| i.conc), validity: max_validity };
    // Window ending at hour-end e (1..=24) covers loaded hours [LOOKBACK+e-8, LOOKBACK+e);
    // it is kept as a running sum of stored forms and a count of present hours.
    let (best, n_windows) = match options.mda8_windows {
        // Every hour of the day present: the 17 windows ending 8–24 lie in
        // the day and all hold 8 hours, so the largest mean is the largest sum.
        Mda8Windows::EndingAt8To24 if n_o3_hours == 24 => full_day_mda8(o3),
        Mda8Windows::EndingAt8To24 if n_o3_hours == 23 => one_missing_mda8(o3),
        Mda8Windows::EndingAt8To24 => mda8_windows::<8>(o3),
        Mda8Windows::AllEndingInDay => mda8_windows::<1>(o3),
    };
    let mda8_validity =
        Validity { n_valid: n_windows, n_required: MDA8_MIN_WINDOWS, n_possible: 17 };
    let mda8_input = best.and_then(|(s, n)| MeanConc::new(s, n)).map(|m| rounded(m, o3_precision));
    let o3_limit =
        limit_milli(limits, Class::Two, Pollutant::O3, Averaging::Mda8).unwrap_or(i64::MAX);
    let exceeds = mda8_input.is_some_and(|i| i.conc.exceeds_milli(o3_limit));
    let mda8_input = if mda8_validity.is_met() || exceeds { mda8_input } else { None };
    let o3_mda8 = Mda8 {
        value: mda8_input.map(|i| i.conc),
        validity: mda8_validity,
        valid_by_exceedance: !mda8_validity.is_met() && exceeds,
    };
    inputs[Indicator::O3_8h.index()] = mda8_input;
    inputs[Indicator::O3_1h.index()] = max_1h_input;
    crate::aqi::daily_report_into(edition, &inputs, &options.aqi, &mut out.aqi);
    (out.date, out.edition, out.limits) = (date, edition, limits);
    (out.o3_mda8, out.o3_max_1h) = (o3_mda8, o3_max_1h);
}

/// Evaluates every day `from..=to` of a series into `out` (which then holds
/// exactly those days, each overwritten in place),
/// reusing `scratch`; the allocation-light form of [`evaluate_station`].
/// Each day is evaluated under `choice.edition_on(day)` and records it.
pub fn evaluate_days_into(
    series: &HourlySeries<'_>,
    from: NaiveDate,
    to: NaiveDate,
    choice: EditionChoice,
    options: &AirOptions,
    hours: &mut DayHours,
    out: &mut Vec<DayResult>,
) -> Result<()> {
    if to < from {
        return Err(Error::EmptyPeriod { from, to });
    }
    let first_start = series.first_start()?;
    // Hour index of 00:00 on `from` relative to element 0.
    let first_base = (from.and_hms_opt(0, 0, 0).unwrap_or_default() - first_start).num_hours();
    let n_days = usize::try_from((to - from).num_days()).unwrap_or(0).saturating_add(1);
    // Every field of every day is then written in place, so the days a
    // reused buffer already holds need no clearing.
    out.truncate(n_days);
    out.resize(n_days, DayResult::PLACEHOLDER);
    // Only O3 windows ending before 8:00 reach into the previous day.
    let needs_lookback = options.mda8_windows == Mda8Windows::AllEndingInDay;
    let o3_index = Pollutant::O3.index();
    let o3_column = series.columns[o3_index];
    let (mut base, mut date) = (first_base, from);
    for slot in out.iter_mut() {
        // The day's sums straight from the columns: their loads overlap the
        // evaluation of the day before (a separate pass over each column
        // first was 6 % slower, as it waited on memory alone).
        for pollutant in SUMMED {
            let p = pollutant.index();
            (hours.sum_milli[p], hours.n_valid[p]) = day_sum(series.columns[p], base);
        }
        // O3's 31 hours straight from the column when they lie inside it:
        // the hours before the day are then real, which only windows
        // reaching into the previous day read, and those want them.
        let inside: Option<&[Option<Conc>; LOADED]> = usize::try_from(base - LOOKBACK as i64)
            .ok()
            .and_then(|first| o3_column.get(first..first.checked_add(LOADED)?))
            .and_then(|hours| hours.try_into().ok());
        let o3 = match inside {
            Some(o3) => {
                let o3_day = o3[LOOKBACK..].try_into().unwrap_or(&[None; 24]);
                (hours.sum_milli[o3_index], hours.n_valid[o3_index]) = inside_day_sum(o3_day);
                o3
            }
            None => {
                hours.load_from(Pollutant::O3, o3_column, base, needs_lookback);
                &hours.o3
            }
        };
        evaluate_day_into(date, choice.edition_on(date), hours, o3, options, slot);
        // `to` is at most the last date, so only a day past it has no successor.
        date = date.succ_opt().unwrap_or(date);
        base += 24;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Real-time (hourly) AQI over a series
// ---------------------------------------------------------------------------

/// One hour of the real-time report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HourResult {
    /// The hour's end label (CNEMC convention), Beijing time.
    pub end_label_beijing: NaiveDateTime,
    /// The real-time AQI report; its `edition` is the one in force on the
    /// hour's start date (or the chosen one).
    pub aqi: AqiReport,
}

fn moving_mean(column: &[Option<Conc>], end: usize, width: usize, min: u32) -> Option<MeanConc> {
    let start = (end + 1).saturating_sub(width);
    let (mut sum, mut n) = (0i64, 0u32);
    for value in column.get(start..=end).unwrap_or(&[]).iter().flatten() {
        sum += value.milli();
        n += 1;
    }
    // Windows cut off at the series start count the missing hours as missing.
    if n >= min { MeanConc::new(sum, n) } else { None }
}

/// The real-time AQI for every hour of the series (HJ 633-2012 5.1.3 and
/// table 4: SO2/NO2/CO/O3 1 h, O3 8 h moving (≥ 6 of 8 hours), PM10/PM2.5
/// 24 h moving (≥ 20 of 24 hours, GB 3095 table 4 applied to the moving
/// mean), SO2 24 h moving for SO2 1 h > 800; HJ 633-2026 4.2.3: the six 1 h
/// values).
pub fn hourly_aqi_series(
    series: &HourlySeries<'_>,
    choice: EditionChoice,
    options: &AirOptions,
) -> Result<Vec<HourResult>> {
    let first_start = series.first_start()?;
    let column = |p: Pollutant| series.columns[p.index()];
    let at = |p: Pollutant, i: usize| column(p).get(i).copied().flatten().map(MeanConc::from);
    let mut out = Vec::with_capacity(series.len());
    for i in 0..series.len() {
        let Some(start) = first_start.checked_add_signed(Duration::hours(i as i64)) else { break };
        let Some(end) = start.checked_add_signed(Duration::hours(1)) else { break };
        let edition = choice.edition_on(start.date());
        let concs = RealtimeConcs {
            so2_1h: at(Pollutant::So2, i),
            no2_1h: at(Pollutant::No2, i),
            co_1h: at(Pollutant::Co, i),
            o3_1h: at(Pollutant::O3, i),
            pm10_1h: at(Pollutant::Pm10, i),
            pm25_1h: at(Pollutant::Pm25, i),
            o3_8h_moving: moving_mean(column(Pollutant::O3), i, 8, EIGHT_HOUR_MIN_HOURS),
            pm10_24h_moving: moving_mean(column(Pollutant::Pm10), i, 24, DAILY_MIN_HOURS),
            pm25_24h_moving: moving_mean(column(Pollutant::Pm25), i, 24, DAILY_MIN_HOURS),
            so2_24h_moving: moving_mean(column(Pollutant::So2), i, 24, DAILY_MIN_HOURS),
        };
        let aqi = crate::aqi::hourly_aqi(edition, &concs, &options.aqi);
        out.push(HourResult { end_label_beijing: end, aqi });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Percentile
// ---------------------------------------------------------------------------

/// The HJ 663 percentile of `sorted` (ascending) values, exact
/// (air-evaluation.md §5): k = 1 + (n − 1)·p, s = ⌊k⌋,
/// m_p = X(s) + (X(s+1) − X(s))·(k − s), 1-based; `m_p = X(k)` when k is an
/// integer. Returns `Ok(None)` for no values.
pub fn percentile(sorted: &[Conc], percent: u8) -> Result<Option<MeanConc>> {
    if percent > 100 {
        return Err(Error::PercentileOutOfRange { percent });
    }
    let n = sorted.len() as i64;
    if n == 0 {
        return Ok(None);
    }
    let k100 = 100 + (n - 1) * i64::from(percent);
    let s = (k100 / 100) as usize; // 1-based
    let frac = k100 % 100;
    let x_s = sorted[s - 1].milli();
    if frac == 0 {
        return Ok(MeanConc::new(x_s, 1));
    }
    let x_next = sorted.get(s).map_or(x_s, |c| c.milli());
    Ok(MeanConc::new(100 * x_s + (x_next - x_s) * frac, 100))
}

/// The percentile of each pollutant's daily statistic in HJ 663 table 1:
/// SO2 and NO2 98th, PM10, PM2.5 and CO 95th (of 24 h means), O3 90th (of
/// MDA8).
pub fn percentile_of(pollutant: Pollutant) -> u8 {
    match pollutant {
        Pollutant::So2 | Pollutant::No2 => 98,
        Pollutant::Co | Pollutant::Pm10 | Pollutant::Pm25 => 95,
        Pollutant::O3 => 90,
    }
}

/// Whether HJ 663 table 1 evaluates an annual mean for `pollutant` (SO2,
/// NO2, PM10, PM2.5; not CO or O3).
pub fn has_annual_mean(pollutant: Pollutant) -> bool {
    !matches!(pollutant, Pollutant::Co | Pollutant::O3)
}

// ---------------------------------------------------------------------------
// Period statistics
// ---------------------------------------------------------------------------

/// Daily-value count of one calendar month (GB 3095 table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MonthValidity {
    /// Year.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Valid daily values against 27 (February 25); `n_possible` is the
    /// number of the month's days inside the period.
    pub validity: Validity,
    /// Whether the whole month lies inside the period (only whole months are
    /// judged).
    pub whole_month: bool,
}

/// Compliance of a pollutant's period statistics with one class of GB 3095
/// (HJ 663 table 1; air-evaluation.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Compliance {
    /// Annual mean ≤ annual limit (SO2, NO2, PM10, PM2.5); `None` when not
    /// applicable or no value.
    pub annual_mean_ok: Option<bool>,
    /// Percentile ≤ 24 h limit (CO: P95 ≤ 24 h limit; O3: P90 MDA8 ≤ MDA8
    /// limit); `None` without a value.
    pub percentile_ok: Option<bool>,
    /// Meets the standard: every statistic [`DailyPercentileRule`] requires
    /// is within its limit; `None` when a required statistic is missing.
    pub complies: Option<bool>,
}

/// Period statistics of one pollutant (HJ 663 table 1; GB 3095 table 4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PollutantStats {
    /// The pollutant.
    pub pollutant: Pollutant,
    /// Valid daily statistics (24 h means; O3 MDA8) against 324 per year.
    pub validity: Validity,
    /// Per calendar month.
    pub months: Vec<MonthValidity>,
    /// Every whole month in the period meets 27 (February 25).
    pub every_month_met: bool,
    /// Mean of the daily means (SO2, NO2, PM10, PM2.5), rounded per
    /// [`StatisticRounding`].
    pub mean: Option<Conc>,
    /// The [`percentile_of`] percentile, rounded per [`StatisticRounding`].
    pub percentile: Option<Conc>,
    /// Which percentile.
    pub percentile_percent: u8,
    /// Days whose statistic exceeds the class-1 24 h (O3 MDA8) limit.
    pub days_over_class1: u32,
    /// Days whose statistic exceeds the class-2 24 h (O3 MDA8) limit.
    pub days_over_class2: u32,
    /// Compliance with class 1.
    pub class1: Compliance,
    /// Compliance with class 2.
    pub class2: Compliance,
}

/// Day counts from the daily AQI and the limits (air-evaluation.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DayCounts {
    /// Days in the period.
    pub n_days: u32,
    /// Days counted by AQI (a valid daily AQI, per [`IncompleteDay`]).
    pub n_aqi_days: u32,
    /// Counted days per AQI level 1..=6 (index 0 = level 1).
    pub by_level: [u32; 6],
    /// 优良天数: AQI ≤ 100.
    pub n_good: u32,
    /// 超标天数: AQI > 100.
    pub n_over: u32,
    /// 重污染天数: AQI > 200.
    pub n_heavy: u32,
    /// 严重污染天数: AQI > 300.
    pub n_severe: u32,
    /// Counted days on which each indicator was primary ([`Indicator::index`]).
    pub n_primary: [u32; 7],
    /// Days with at least one pollutant over its class-2 24 h (O3 MDA8) limit.
    pub n_exceedance_class2: u32,
    /// Days with at least one pollutant over its class-1 24 h (O3 MDA8) limit.
    pub n_exceedance_class1: u32,
}

impl DayCounts {
    /// 优良天数比例 in tenths of a percent, rounded half to even
    /// (n_good ÷ n_aqi_days); `None` without counted days.
    pub fn good_ratio_permille(&self) -> Option<i64> {
        (self.n_aqi_days > 0).then(|| {
            div_round_half_even(i128::from(self.n_good) * 1000, i128::from(self.n_aqi_days)) as i64
        })
    }

    /// 重污染天数比例 in tenths of a percent (AQI > 200), half to even.
    pub fn heavy_ratio_permille(&self) -> Option<i64> {
        (self.n_aqi_days > 0).then(|| {
            div_round_half_even(i128::from(self.n_heavy) * 1000, i128::from(self.n_aqi_days)) as i64
        })
    }
}

/// The composite index (环境空气质量综合指数): I_i = C_i / S_i, I_sum = Σ I_i
/// (城市环境空气质量排名技术规定; air-evaluation.md §8). Values in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CompositeIndex {
    /// I_i in thousandths per pollutant ([`Pollutant::index`]), rounded per
    /// [`CompositeRounding`]; `None` when C_i is missing.
    pub sub_index_milli: [Option<i64>; 6],
    /// Σ I_i of the rounded sub-indices, `None` unless all six are present.
    pub total_milli: Option<i64>,
    /// The pollutant(s) with the largest I_i.
    pub main: PollutantSet,
}

/// Statistics of one piece of a period: a run of days under one edition and
/// limit set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeriodStats {
    /// Edition applied.
    pub edition: AirEdition,
    /// Limit set applied.
    pub limits: LimitSet,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Per pollutant ([`Pollutant::index`]).
    pub pollutants: Vec<PollutantStats>,
    /// Day counts.
    pub days: DayCounts,
    /// Composite index.
    pub composite: CompositeIndex,
}

/// A period's statistics, piecewise where the edition or limit set changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeriodEvaluation {
    /// One piece per run of days under one edition and limit set, in order.
    pub pieces: Vec<PeriodStats>,
}

impl PeriodEvaluation {
    /// Whether the period spans a change of edition or limit set, and was
    /// therefore evaluated piecewise.
    pub fn is_piecewise(&self) -> bool {
        self.pieces.len() > 1
    }
}

/// Everything [`evaluate_station`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StationEvaluation {
    /// One result per day of the period.
    pub days: Vec<DayResult>,
    /// Period statistics.
    pub period: PeriodEvaluation,
}

fn stat_round(value: MeanConc, pollutant: Pollutant, options: &AirOptions) -> Conc {
    match options.statistic_rounding {
        StatisticRounding::ReportingPrecision => value.round(pollutant.precision()),
        StatisticRounding::Milli => value.to_conc(),
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    // Gregorian calendar, as chrono's; no date arithmetic in the hot path.
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reusable buffers for [`period_statistics_with`].
#[derive(Debug, Clone, Default)]
pub struct StatsScratch {
    /// The percentile's candidates, in stored form.
    values: Vec<u32>,
    /// Calendar-month runs of the piece: (year, month, first day, end).
    months: Vec<(i32, u32, usize, usize)>,
    /// Per pollutant and day of the piece: the day's statistic to the
    /// thousandth in stored form ([`Conc::stored`], 0 when invalid), gathered
    /// in one pass over the days so that the per-pollutant work reads a
    /// compact column.
    columns: [Vec<u32>; 6],
    /// Days over the class-1 and class-2 limit per pollutant.
    days_over: [[u32; 6]; 2],
}

/// Period statistics of a run of [`DayResult`]s (consecutive days), split
/// into pieces wherever the edition or the limit set changes.
pub fn period_statistics(days: &[DayResult], options: &AirOptions) -> PeriodEvaluation {
    period_statistics_with(days, options, &mut StatsScratch::default())
}

/// [`period_statistics`] reusing buffers.
pub fn period_statistics_with(
    days: &[DayResult],
    options: &AirOptions,
    scratch: &mut StatsScratch,
) -> PeriodEvaluation {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < days.len() {
        let key = (days[start].edition, days[start].limits);
        let mut end = start + 1;
        while end < days.len() && (days[end].edition, days[end].limits) == key {
            end += 1;
        }
        pieces.push(piece_statistics(&days[start..end], options, scratch));
        start = end;
    }
    PeriodEvaluation { pieces }
}

fn piece_statistics(
    days: &[DayResult],
    options: &AirOptions,
    scratch: &mut StatsScratch,
) -> PeriodStats {
    let (edition, limits) = (days[0].edition, days[0].limits);
    let (from, to) = (days[0].date, days[days.len() - 1].date);
    let counts = gather_statistics(days, limits, options, scratch);
    let mut pollutants = Vec::with_capacity(6);
    for pollutant in Pollutant::ALL {
        pollutants.push(pollutant_statistics(days.len(), pollutant, limits, options, scratch));
    }
    let composite = composite_index(&pollutants, limits, options);
    PeriodStats { edition, limits, from, to, pollutants, days: counts, composite }
}

/// One pass over the days of a piece (one limit set): the day counts, the
/// calendar-month runs, each pollutant's statistic into its compact column,
/// and the days over the class-1 and class-2 limits per pollutant.
fn gather_statistics(
    days: &[DayResult],
    limits: LimitSet,
    options: &AirOptions,
    scratch: &mut StatsScratch,
) -> DayCounts {
    let limit = |class: Class| {
        Pollutant::ALL
            .map(|p| limit_milli(limits, class, p, daily_averaging(p)).unwrap_or(i64::MAX))
    };
    let (limit1, limit2) = (limit(Class::One), limit(Class::Two));
    let n_days = days.len();
    for column in &mut scratch.columns {
        column.clear();
        column.resize(n_days, 0);
    }
    // Each column cut to the days' length, so that indexing by day needs no
    // bounds check.
    let columns = scratch.columns.each_mut().map(|column| &mut column[..n_days]);
    let months = &mut scratch.months;
    months.clear();
    let mut days_over = [[0u32; 6]; 2];
    let counts = day_counts_with(days, options, |i, day| {
        let (year, month) = (day.date.year(), day.date.month());
        match months.last_mut() {
            Some(run) if (run.0, run.1) == (year, month) => run.3 = i + 1,
            _ => months.push((year, month, i, i + 1)),
        }
        let mut over = 0u8;
        for pollutant in Pollutant::ALL {
            let p = pollutant.index();
            let value = day.statistic(pollutant);
            let above1 = value.is_some_and(|v| v.exceeds_milli(limit1[p]));
            let above2 = value.is_some_and(|v| v.exceeds_milli(limit2[p]));
            days_over[0][p] += u32::from(above1);
            days_over[1][p] += u32::from(above2);
            over |= u8::from(above1) | u8::from(above2) << 1;
            if let Some(slot) = columns[p].get_mut(i) {
                *slot = Conc::stored(value.map(MeanConc::to_conc));
            }
        }
        over
    });
    scratch.days_over = days_over;
    counts
}

/// The HJ 663 percentile of a compact column of stored forms (0 when
/// invalid) holding `n` valid values, using `values` as scratch (selection
/// instead of a full sort; same result as [`percentile`] of the valid
/// values).
fn percentile_of_column(
    column: &[u32],
    n: usize,
    percent: u8,
    values: &mut Vec<u32>,
) -> Option<MeanConc> {
    if n == 0 || percent > 100 {
        return None;
    }
    // X(s) and X(s+1) are the two smallest of the n - s + 1 largest values.
    let s = (100 + (n - 1) * usize::from(percent)) / 100;
    let n_top = n + 1 - s;
    // High percentiles (HJ 663 uses 90, 95 and 98): a floor that at least
    // `n_top` values reach, the smallest of the maxima of `n_top` blocks of
    // the column (0 when a block holds no valid value), so the `n_top`
    // largest are all at or above it; one branch-free pass keeps the valid
    // values at or above it, and the selection runs on those few.
    let floor = if n_top <= TOP_MAX {
        column
            .chunks_exact((column.len() / n_top).max(1))
            .take(n_top)
            .map(|block| block.iter().copied().max().unwrap_or(0))
            .min()
            .unwrap_or(0)
            .max(1)
    } else {
        1
    };
    // Kept in stored form (the floor is at least 1, so only valid values):
    // every value writes the next slot, and only a kept one advances.
    values.clear();
    values.resize(column.len(), 0);
    let mut len = 0usize;
    for &stored in column {
        if let Some(slot) = values.get_mut(len) {
            *slot = stored;
        }
        len += usize::from(stored >= floor);
    }
    values.truncate(len);
    let k = len.checked_sub(n_top)?;
    let (_, &mut x_s, rest) = values.select_nth_unstable(k);
    // Stored forms are thousandths + 1.
    let x_next = rest.iter().min().map_or(x_s, |&next| next);
    let (x_s, x_next) = (i64::from(x_s) - 1, i64::from(x_next) - 1);
    let frac = ((100 + (n - 1) * usize::from(percent)) % 100) as i64;
    if frac == 0 {
        return MeanConc::new(x_s, 1);
    }
    MeanConc::new(100 * x_s + (x_next - x_s) * frac, 100)
}

/// Largest number of top values for which [`percentile_of_column`] first
/// filters by a floor (P90 of a year needs 38).
const TOP_MAX: usize = 48;

fn pollutant_statistics(
    n_days: usize,
    pollutant: Pollutant,
    limits: LimitSet,
    options: &AirOptions,
    scratch: &mut StatsScratch,
) -> PollutantStats {
    let p = pollutant.index();
    let column = &scratch.columns[p];
    let mut months: Vec<MonthValidity> = Vec::with_capacity(scratch.months.len());
    let averaging = daily_averaging(pollutant);
    let (over1, over2) = (scratch.days_over[0][p], scratch.days_over[1][p]);
    // Stored forms are thousandths + 1, 0 when invalid: counted and summed
    // without branches.
    let (mut stored_total, mut n) = (0u64, 0u32);
    for &(year, month, first, end) in &scratch.months {
        let (mut month_total, mut month_n) = (0u64, 0u32);
        for &stored in &column[first..end] {
            month_total += u64::from(stored);
            month_n += u32::from(stored != 0);
        }
        (stored_total, n) = (stored_total + month_total, n + month_n);
        let n_possible = (end - first) as u32;
        months.push(MonthValidity {
            year,
            month,
            validity: Validity { n_valid: month_n, n_required: month_min_days(month), n_possible },
            whole_month: n_possible == days_in_month(year, month),
        });
    }
    let every_month_met = months.iter().filter(|m| m.whole_month).all(|m| m.validity.is_met());
    // At most a few thousand days of values below 2^31: fits in i64.
    let sum = stored_total as i64 - i64::from(n);
    let mean = if has_annual_mean(pollutant) {
        MeanConc::new(sum, n).map(|m| stat_round(m, pollutant, options))
    } else {
        None
    };
    let percent = percentile_of(pollutant);
    let percentile = percentile_of_column(column, n as usize, percent, &mut scratch.values)
        .map(|m| stat_round(m, pollutant, options));
    let compliance = |class: Class| {
        let annual = limit_milli(limits, class, pollutant, Averaging::Annual);
        let daily = limit_milli(limits, class, pollutant, averaging);
        let annual_mean_ok = match (annual, mean) {
            (Some(limit), Some(m)) if has_annual_mean(pollutant) => Some(m.milli() <= limit),
            _ => None,
        };
        let percentile_ok = match (daily, percentile) {
            (Some(limit), Some(p)) => Some(p.milli() <= limit),
            _ => None,
        };
        let needs_mean = has_annual_mean(pollutant);
        let needs_percentile = !needs_mean
            || options.daily_percentile_rule == DailyPercentileRule::AnnualMeanAndPercentile;
        let mut complies = Some(true);
        for (needed, ok) in [(needs_mean, annual_mean_ok), (needs_percentile, percentile_ok)] {
            if needed {
                complies = match (complies, ok) {
                    (Some(all), Some(ok)) => Some(all && ok),
                    _ => None,
                };
            }
        }
        Compliance { annual_mean_ok, percentile_ok, complies }
    };
    PollutantStats {
        pollutant,
        validity: Validity { n_valid: n, n_required: ANNUAL_MIN_DAYS, n_possible: n_days as u32 },
        months,
        every_month_met,
        mean,
        percentile,
        percentile_percent: percent,
        days_over_class1: over1,
        days_over_class2: over2,
        class1: compliance(Class::One),
        class2: compliance(Class::Two),
    }
}

/// Whether a day's AQI is counted, and with which AQI (air-evaluation.md §7).
fn counted_aqi(day: &DayResult, options: &AirOptions) -> Option<u32> {
    let aqi = day.aqi.aqi?;
    if day.aqi.missing.is_empty() {
        return Some(aqi);
    }
    match options.incomplete_day {
        IncompleteDay::CountOnlyIfOver100 => (aqi > 100).then_some(aqi),
        IncompleteDay::CountAsComputed => Some(aqi),
        IncompleteDay::Exclude => None,
    }
}

/// `AqiLevel::from_aqi(aqi).number() - 1`, without branches on the data.
#[inline(always)]
fn level_index(aqi: u32) -> usize {
    [50, 100, 150, 200, 300].map(|top| usize::from(aqi > top)).iter().sum()
}

/// Day counts over `days` (air-evaluation.md §7): good (AQI ≤ 100), over
/// (> 100), heavy (> 200), severe (> 300), per level and per primary
/// indicator, and days over the GB 3095 24 h / MDA8 limits (kept apart from
/// the AQI counts: from 2031 they differ).
pub fn day_counts(days: &[DayResult], options: &AirOptions) -> DayCounts {
    // Daily limits per class and pollutant, refreshed when the limit set changes.
    let table = |set: LimitSet| {
        [Class::One, Class::Two].map(|class| {
            Pollutant::ALL
                .map(|p| limit_milli(set, class, p, daily_averaging(p)).unwrap_or(i64::MAX))
        })
    };
    let mut current = days.first().map_or(LimitSet::Gb3095_2012, |d| d.limits);
    let mut limits = table(current);
    day_counts_with(days, options, |_, day| {
        if day.limits != current {
            current = day.limits;
            limits = table(current);
        }
        let over = |class_limits: &[i64; 6]| {
            Pollutant::ALL.iter().fold(false, |over, p| {
                over | day.statistic(*p).is_some_and(|v| v.exceeds_milli(class_limits[p.index()]))
            })
        };
        u8::from(over(&limits[0])) | u8::from(over(&limits[1])) << 1
    })
}

/// [`day_counts`] with the days' exceedances from `over(i, day)`: bit 0 when
/// a pollutant exceeds its class-1 limit, bit 1 its class-2 limit.
#[inline(always)]
fn day_counts_with(
    days: &[DayResult],
    options: &AirOptions,
    mut over: impl FnMut(usize, &DayResult) -> u8,
) -> DayCounts {
    let mut counts = DayCounts { n_days: days.len() as u32, ..DayCounts::default() };
    for (i, day) in days.iter().enumerate() {
        if let Some(aqi) = counted_aqi(day, options) {
            counts.n_aqi_days += 1;
            counts.by_level[level_index(aqi)] += 1;
            counts.n_good += u32::from(aqi <= 100);
            counts.n_over += u32::from(aqi > 100);
            counts.n_heavy += u32::from(aqi > 200);
            counts.n_severe += u32::from(aqi > 300);
            // Branch-free: which indicators are primary is data.
            for (indicator, count) in Indicator::ALL.into_iter().zip(&mut counts.n_primary) {
                *count += u32::from(day.aqi.primary.contains(indicator));
            }
        }
        let over = over(i, day);
        counts.n_exceedance_class1 += u32::from(over & 1);
        counts.n_exceedance_class2 += u32::from(over >> 1);
    }
    counts
}

/// The composite index of a piece (air-evaluation.md §8).
fn composite_index(
    stats: &[PollutantStats],
    limits: LimitSet,
    options: &AirOptions,
) -> CompositeIndex {
    let set = match options.composite_limits {
        CompositeLimits::ClassTwoOfLimitSet => limits,
        CompositeLimits::Gb3095_2012 => LimitSet::Gb3095_2012,
    };
    let step: i128 = match options.composite_rounding {
        CompositeRounding::Hundredths => 10,
        CompositeRounding::Thousandths => 1,
    };
    let mut index = CompositeIndex::default();
    for s in stats {
        let p = s.pollutant;
        let (c, averaging) = if has_annual_mean(p) {
            (s.mean, Averaging::Annual)
        } else {
            (s.percentile, daily_averaging(p))
        };
        let (Some(c), Some(limit)) = (c, limit_milli(set, Class::Two, p, averaging)) else {
            continue;
        };
        // I = C / S, in thousandths, rounded to `step` thousandths half to even.
        let steps = div_round_half_even(i128::from(c.milli()) * 1000, i128::from(limit) * step);
        index.sub_index_milli[p.index()] = Some((steps * step) as i64);
    }
    if index.sub_index_milli.iter().all(Option::is_some) {
        index.total_milli = Some(index.sub_index_milli.iter().flatten().sum());
    }
    if let Some(max) = index.sub_index_milli.iter().flatten().max().copied() {
        for p in Pollutant::ALL {
            if index.sub_index_milli[p.index()] == Some(max) {
                index.main = index.main.with(p);
            }
        }
    }
    index
}

/// Evaluates a station's (or district's) series over `from..=to`: per-day
/// results and the period statistics, each day under the edition `choice`
/// gives it, the period split into pieces where the edition or limit set
/// changes (issue: "a period that spans a change is evaluated piecewise").
pub fn evaluate_station(
    series: &HourlySeries<'_>,
    from: NaiveDate,
    to: NaiveDate,
    choice: EditionChoice,
    options: &AirOptions,
) -> Result<StationEvaluation> {
    let mut days = Vec::new();
    evaluate_days_into(series, from, to, choice, options, &mut DayHours::default(), &mut days)?;
    let period = period_statistics(&days, options);
    Ok(StationEvaluation { days, period })
}

// ---------------------------------------------------------------------------
// District
// ---------------------------------------------------------------------------

/// A district's hourly series built from its stations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictSeries {
    /// Label of element 0, Beijing time.
    pub first_label_beijing: NaiveDateTime,
    /// Label convention.
    pub label: HourLabel,
    /// Hourly district values per pollutant.
    pub columns: [Vec<Option<Conc>>; 6],
    /// Stations contributing to each hourly value.
    pub n_stations: [Vec<u32>; 6],
}

impl DistrictSeries {
    /// Borrows the district series for the evaluators.
    pub fn as_series(&self) -> HourlySeries<'_> {
        HourlySeries {
            first_label_beijing: self.first_label_beijing,
            label: self.label,
            columns: [
                &self.columns[0],
                &self.columns[1],
                &self.columns[2],
                &self.columns[3],
                &self.columns[4],
                &self.columns[5],
            ],
        }
    }
}

/// The district's hourly value: the arithmetic mean of the stations' valid
/// values for that hour, rounded half to even to thousandths, present when
/// at least [`AirOptions::district_min_stations`] stations have one.
///
/// **Unverified**: HJ 663's city-scale rule (a mean over the city's
/// assessment stations) is not in our facts; the hour-level mean and the
/// minimum station count are project conventions. All series must share
/// start, label and length.
pub fn district_hourly(
    stations: &[HourlySeries<'_>],
    options: &AirOptions,
) -> Result<DistrictSeries> {
    let Some(first) = stations.first() else {
        return Ok(DistrictSeries {
            first_label_beijing: NaiveDateTime::default(),
            label: HourLabel::PeriodEnd,
            columns: Default::default(),
            n_stations: Default::default(),
        });
    };
    first.first_start()?;
    let len = first.len();
    for (index, s) in stations.iter().enumerate().skip(1) {
        if s.first_label_beijing != first.first_label_beijing {
            return Err(Error::MisalignedSeries { index, what: "start" });
        }
        if s.label != first.label {
            return Err(Error::MisalignedSeries { index, what: "label" });
        }
        if s.len() != len {
            return Err(Error::MisalignedSeries { index, what: "length" });
        }
    }
    let mut columns: [Vec<Option<Conc>>; 6] = Default::default();
    let mut n_stations: [Vec<u32>; 6] = Default::default();
    for p in Pollutant::ALL {
        let (col, counts) = (&mut columns[p.index()], &mut n_stations[p.index()]);
        col.reserve(len);
        counts.reserve(len);
        for i in 0..len {
            let (mut sum, mut n) = (0i64, 0u32);
            for s in stations {
                if let Some(v) = s.columns[p.index()].get(i).copied().flatten() {
                    sum += v.milli();
                    n += 1;
                }
            }
            counts.push(n);
            let enough = n >= options.district_min_stations.max(1);
            col.push(if enough { MeanConc::new(sum, n).map(MeanConc::to_conc) } else { None });
        }
    }
    Ok(DistrictSeries {
        first_label_beijing: first.first_label_beijing,
        label: first.label,
        columns,
        n_stations,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Days are written field by field into a reused buffer: what an
    /// earlier, longer evaluation left there must not leak into the next.
    #[test]
    fn a_reused_day_buffer_gives_the_days_of_a_fresh_one() {
        let column = |seed: u64, n: usize| -> Vec<Option<Conc>> {
            (0..n as u64)
                .map(|h| {
                    let x = (h * 2_654_435_761 + seed * 97) % 1_000;
                    (!x.is_multiple_of(7))
                        .then(|| Conc::from_milli(((x * 311) % 400_000) as i64).unwrap())
                })
                .collect()
        };
        let start = NaiveDate::from_ymd_opt(2026, 2, 20).unwrap();
        let long: Vec<_> = (0..6).map(|p| column(p, 40 * 24)).collect();
        let short: Vec<_> = (0..6).map(|p| column(p + 10, 20 * 24)).collect();
        fn series(start: NaiveDate, cols: &[Vec<Option<Conc>>]) -> HourlySeries<'_> {
            HourlySeries {
                first_label_beijing: start.and_hms_opt(1, 0, 0).unwrap(),
                label: HourLabel::PeriodEnd,
                columns: [&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5]],
            }
        }
        let options = AirOptions::default();
        let (mut hours, mut days) = (DayHours::default(), Vec::new());
        let (to_long, to_short) = (start + Duration::days(39), start + Duration::days(19));
        let mut into_buffer = |cols: &[Vec<Option<Conc>>], to: NaiveDate| {
            let choice = EditionChoice::ByDate;
            evaluate_days_into(
                &series(start, cols),
                start,
                to,
                choice,
                &options,
                &mut hours,
                &mut days,
            )
            .unwrap();
            days.clone()
        };
        let long_days = into_buffer(&long, to_long);
        let short_days = into_buffer(&short, to_short);
        let again_long = into_buffer(&long, to_long);
        let fresh = |cols: &[Vec<Option<Conc>>], to: NaiveDate| {
            evaluate_station(&series(start, cols), start, to, EditionChoice::ByDate, &options)
                .unwrap()
                .days
        };
        assert_eq!(short_days, fresh(&short, to_short));
        assert_eq!(short_days.len(), 20);
        assert_ne!(short_days[..], long_days[..20], "the two series differ");
        assert_eq!(again_long, long_days);
        assert_eq!(long_days, fresh(&long, to_long));
    }

    #[test]
    fn level_index_agrees_with_the_aqi_level() {
        for aqi in (0..=1_000).chain([u32::MAX - 1, u32::MAX]) {
            let level = crate::aqi::AqiLevel::from_aqi(aqi);
            assert_eq!(level_index(aqi), usize::from(level.number() - 1), "AQI {aqi}");
        }
    }

    #[test]
    fn days_in_month_agrees_with_the_calendar() {
        for year in [1900, 2000, 2023, 2024, 2026, 2100] {
            for month in 1..=12u32 {
                let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)
                }
                .unwrap();
                assert_eq!(
                    i64::from(days_in_month(year, month)),
                    (next - first).num_days(),
                    "{year}-{month}"
                );
            }
        }
    }

    /// A day of equal O3 values with one hour missing: every window has the
    /// same mean, so the first window ending 8:00 is the MDA8 whether it
    /// holds 7 hours or 8, as in the general scan.
    #[test]
    fn one_missing_mda8_keeps_the_first_window_of_equal_means() {
        for missing in 0..24 {
            let o3: [Option<Conc>; LOADED] = std::array::from_fn(|k| {
                (k != LOOKBACK + missing).then(|| Conc::from_milli(50_000).unwrap())
            });
            let expected_n = if missing < 8 { 7 } else { 8 };
            let (best, n_windows) = one_missing_mda8(&o3);
            assert_eq!(best, Some((50_000 * i64::from(expected_n), expected_n)), "{missing}");
            assert_eq!((best, n_windows), mda8_windows::<8>(&o3), "{missing}");
        }
    }

    proptest! {
        /// The fast path for a day with all 24 O3 hours finds the same MDA8
        /// (sum, count) and window count as the general window scan.
        #[test]
        fn full_day_mda8_equals_the_general_scan(
            lookback in prop::collection::vec(0u32..5_000, LOOKBACK),
            day in prop::collection::vec(1u32..5_000, 24),
        ) {
            let o3: [Option<Conc>; LOADED] = std::array::from_fn(|k| {
                let milli = if k < LOOKBACK { lookback[k] } else { day[k - LOOKBACK] };
                Conc::from_stored(milli)
            });
            prop_assert_eq!(full_day_mda8(&o3), mda8_windows::<8>(&o3));
        }

        /// The percentile of a compact column (invalid days as 0) equals
        /// the percentile of its valid values sorted.
        /// The fast path for a day with one O3 hour missing finds the same
        /// MDA8 (sum, count) and window count as the general window scan,
        /// ties included.
        #[test]
        fn one_missing_mda8_equals_the_general_scan(
            lookback in prop::collection::vec(0u32..5_000, LOOKBACK),
            day in prop::collection::vec(1u32..40, 24),
            missing in 0usize..24,
        ) {
            let o3: [Option<Conc>; LOADED] = std::array::from_fn(|k| {
                let stored = if k < LOOKBACK { lookback[k] } else if k - LOOKBACK == missing { 0 } else { day[k - LOOKBACK] };
                Conc::from_stored(stored)
            });
            prop_assert_eq!(one_missing_mda8(&o3), mda8_windows::<8>(&o3));
        }

        #[test]
        fn column_percentile_equals_sorted_percentile(
            values in prop::collection::vec(prop::option::weighted(0.9, 0i64..1_000_000), 1..400),
            percent in 0u8..=100,
        ) {
            check_column_percentile(&values, percent)?;
        }

        /// The same with many equal values, where the floor that filters the
        /// candidates is itself repeated.
        #[test]
        fn column_percentile_equals_sorted_percentile_with_ties(
            values in prop::collection::vec(prop::option::weighted(0.9, 0i64..8), 1..400),
            percent in 0u8..=100,
        ) {
            check_column_percentile(&values, percent)?;
        }
    }

    fn check_column_percentile(values: &[Option<i64>], percent: u8) -> Result<(), TestCaseError> {
        let concs: Vec<Option<Conc>> =
            values.iter().map(|v| v.map(|v| Conc::from_milli(v * 1000).unwrap())).collect();
        let column: Vec<u32> = concs.iter().map(|&c| Conc::stored(c)).collect();
        let mut sorted: Vec<Conc> = concs.iter().flatten().copied().collect();
        sorted.sort_unstable();
        let expected = percentile(&sorted, percent).unwrap();
        let got = percentile_of_column(&column, sorted.len(), percent, &mut Vec::new());
        prop_assert_eq!(got, expected);
        Ok(())
    }
}
