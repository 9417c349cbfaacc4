//! Ambient noise: GB 3096-2008 (声环境质量标准).
//!
//! - [`limit_db`]: the day or night limit of a functional zone (table 1).
//! - [`day_night`]: whether a local time is day or night (§3.4).
//! - [`judge_leq`]: an equivalent level L_Aeq against its limit, with the
//!   exceedance amount in dB.
//! - [`judge_night_max`]: a night-time maximum level against the night limit
//!   plus the allowance for frequent or sudden noise.
//!
//! ```
//! use standards::noise::{judge_leq, DayNight, NoiseOptions, NoiseZone};
//! use standards::water::Decimal;
//!
//! let j = judge_leq(NoiseZone::Class2, DayNight::Night, Decimal::parse("53.5").unwrap(), &NoiseOptions::default());
//! assert_eq!(j.limit_db, Decimal::from_int(50));
//! assert_eq!(j.exceedance_db, Some(Decimal::parse("3.5").unwrap()));
//! ```

use std::fmt;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::water::Decimal;
use crate::{Error, Result};

/// An acoustic environment functional zone (声环境功能区), GB 3096-2008 §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoiseZone {
    /// Class 0: convalescent areas needing special quiet.
    Class0,
    /// Class 1: mainly housing, health care, education, research, administration.
    Class1,
    /// Class 2: commerce, markets, or mixed housing, commerce and industry.
    Class2,
    /// Class 3: industry, warehousing, logistics.
    Class3,
    /// Class 4a: both sides of expressways, class 1–2 roads, urban
    /// expressways, arterial and sub-arterial roads, surface urban rail,
    /// inland waterways.
    Class4a,
    /// Class 4b: both sides of railway trunk lines.
    Class4b,
}

impl NoiseZone {
    /// All zones.
    pub const ALL: [NoiseZone; 6] = [
        NoiseZone::Class0,
        NoiseZone::Class1,
        NoiseZone::Class2,
        NoiseZone::Class3,
        NoiseZone::Class4a,
        NoiseZone::Class4b,
    ];

    /// The zone's label: `0`, `1`, `2`, `3`, `4a`, `4b`.
    pub fn label(self) -> &'static str {
        match self {
            NoiseZone::Class0 => "0",
            NoiseZone::Class1 => "1",
            NoiseZone::Class2 => "2",
            NoiseZone::Class3 => "3",
            NoiseZone::Class4a => "4a",
            NoiseZone::Class4b => "4b",
        }
    }

    /// Parses `0`…`3`, `4a`, `4b` (any case, an optional `类` suffix).
    pub fn parse(text: &str) -> Result<NoiseZone> {
        let trimmed = text.trim();
        let bare = trimmed.strip_suffix('类').unwrap_or(trimmed);
        NoiseZone::ALL
            .into_iter()
            .find(|z| z.label().eq_ignore_ascii_case(bare))
            .ok_or_else(|| Error::UnknownNoiseZone { input: text.to_owned() })
    }
}

impl fmt::Display for NoiseZone {
    /// The label `0` … `4b`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Day (昼间) or night (夜间), GB 3096-2008 §3.4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayNight {
    /// 昼间.
    Day,
    /// 夜间.
    Night,
}

/// Which limits apply in a 4b zone (GB 3096-2008 as remembered,
/// **unverified**, `noise-gb3096.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Railway4b {
    /// The table 1 4b limits, 70 dB day and 60 dB night, for railway trunk
    /// lines whose EIA was approved from 2011-01-01. Default.
    #[default]
    Table1,
    /// Older railway lines: 70 dB day and 55 dB night for the background
    /// noise without passing trains.
    OlderLineBackground,
}

/// Options for the noise functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseOptions {
    /// Local start of the day. Default 06:00 (GB 3096-2008 §3.4; local
    /// governments may adjust it, **unverified**).
    pub day_start: NaiveTime,
    /// Local start of the night. Default 22:00 (GB 3096-2008 §3.4).
    pub night_start: NaiveTime,
    /// How far a night-time maximum level of frequent noise (频发噪声) may
    /// exceed the night limit. Default 10 dB (GB 12348-2008 4.1.2; for
    /// GB 3096 itself **unverified**).
    pub night_frequent_allowance_db: Decimal,
    /// How far a night-time maximum level of sudden noise (偶发噪声) may
    /// exceed the night limit. Default 15 dB (GB 12348-2008 4.1.3; for
    /// GB 3096 itself **unverified**).
    pub night_sudden_allowance_db: Decimal,
    /// The 4b rule. Default [`Railway4b::Table1`].
    pub railway_4b: Railway4b,
}

impl Default for NoiseOptions {
    fn default() -> Self {
        NoiseOptions {
            day_start: NaiveTime::MIN.with_hour(6).unwrap_or(NaiveTime::MIN),
            night_start: NaiveTime::MIN.with_hour(22).unwrap_or(NaiveTime::MIN),
            night_frequent_allowance_db: Decimal::from_int(10),
            night_sudden_allowance_db: Decimal::from_int(15),
            railway_4b: Railway4b::Table1,
        }
    }
}

/// Whether the local (Beijing) wall-clock time `time_beijing` is day or
/// night: day from `day_start` (inclusive) to `night_start` (exclusive),
/// night otherwise (GB 3096-2008 §3.4, 06:00–22:00 by default). If the two
/// are equal every time is night; if `day_start` is after `night_start` the
/// day wraps past midnight.
pub fn day_night(time_beijing: NaiveTime, options: &NoiseOptions) -> DayNight {
    let (start, end) = (options.day_start, options.night_start);
    let is_day = if start <= end {
        time_beijing >= start && time_beijing < end
    } else {
        time_beijing >= start || time_beijing < end
    };
    if is_day { DayNight::Day } else { DayNight::Night }
}

/// The L_Aeq limit in dB(A) of `zone` for `period` (GB 3096-2008 table 1):
/// 0: 50/40, 1: 55/45, 2: 60/50, 3: 65/55, 4a: 70/55, 4b: 70/60
/// (or 70/55 with [`Railway4b::OlderLineBackground`]).
pub fn limit_db(zone: NoiseZone, period: DayNight, options: &NoiseOptions) -> Decimal {
    let (day, night) = match zone {
        NoiseZone::Class0 => (50, 40),
        NoiseZone::Class1 => (55, 45),
        NoiseZone::Class2 => (60, 50),
        NoiseZone::Class3 => (65, 55),
        NoiseZone::Class4a => (70, 55),
        NoiseZone::Class4b => match options.railway_4b {
            Railway4b::Table1 => (70, 60),
            Railway4b::OlderLineBackground => (70, 55),
        },
    };
    Decimal::from_int(match period {
        DayNight::Day => day,
        DayNight::Night => night,
    })
}

/// A level judged against a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct NoiseJudgement {
    /// The limit applied, dB(A).
    pub limit_db: Decimal,
    /// The measured level, dB(A).
    pub level_db: Decimal,
    /// The exceedance amount (超标量) level − limit in dB when the level is
    /// above the limit; `None` when it meets the limit (a level equal to the
    /// limit meets it).
    pub exceedance_db: Option<Decimal>,
}

impl NoiseJudgement {
    fn new(level_db: Decimal, limit_db: Decimal) -> NoiseJudgement {
        let exceedance_db = if level_db > limit_db { level_db.checked_sub(limit_db) } else { None };
        NoiseJudgement { limit_db, level_db, exceedance_db }
    }

    /// Whether the level is above the limit.
    pub fn exceeds(&self) -> bool {
        self.exceedance_db.is_some()
    }
}

/// Judges an equivalent level L_Aeq of `period` against the zone's limit
/// (GB 3096-2008 table 1; day and night judged separately; exceedance
/// amount = measured − limit, `noise-gb3096.md` "Evaluation").
pub fn judge_leq(
    zone: NoiseZone,
    period: DayNight,
    leq_db: Decimal,
    options: &NoiseOptions,
) -> NoiseJudgement {
    NoiseJudgement::new(leq_db, limit_db(zone, period, options))
}

/// The kind of a night-time noise event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NightEvent {
    /// Frequent noise (频发噪声).
    Frequent,
    /// Sudden, occasional noise (偶发噪声).
    Sudden,
}

/// Judges a night-time maximum level L_max against the zone's night limit
/// plus the allowance for the event kind: 10 dB for frequent, 15 dB for
/// sudden noise by default (GB 12348-2008 4.1.2–4.1.3; for GB 3096
/// **unverified**, see [`NoiseOptions`]). The exceedance is measured from
/// that raised limit.
pub fn judge_night_max(
    zone: NoiseZone,
    lmax_db: Decimal,
    event: NightEvent,
    options: &NoiseOptions,
) -> NoiseJudgement {
    let allowance = match event {
        NightEvent::Frequent => options.night_frequent_allowance_db,
        NightEvent::Sudden => options.night_sudden_allowance_db,
    };
    let night = limit_db(zone, DayNight::Night, options);
    NoiseJudgement::new(lmax_db, night.checked_add(allowance).unwrap_or(night))
}

impl Serialize for NoiseZone {
    /// As the label `0` … `4b`.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for NoiseZone {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<NoiseZone, D::Error> {
        let text = String::deserialize(deserializer)?;
        NoiseZone::parse(&text).map_err(serde::de::Error::custom)
    }
}
