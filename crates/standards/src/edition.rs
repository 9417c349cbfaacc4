//! Dated editions of the air standards.
//!
//! HJ 633-2012, GB 3095-2012 (with its 2018 amendment) and HJ 663-2013 were
//! replaced on 2026-03-01 by HJ 633-2026, GB 3095-2026 and HJ 663-2026
//! (air-aqi.md §0, air-evaluation.md §0).
//! GB 3095-2026 has transition limits until 2030-12-31 and final limits from
//! 2031-01-01 (GB 3095-2026 4.4).
//! The data's date decides which applies, never "today".

use std::fmt;

use chrono::NaiveDate;

/// A coherent set of air standards in force together, named after its AQI
/// standard (air-aqi.md §0 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AirEdition {
    /// HJ 633-2012 with GB 3095-2012 (+ 2018 amendment) and HJ 663-2013;
    /// in force 2016-01-01 .. 2026-02-28.
    Hj633_2012,
    /// HJ 633-2026 with GB 3095-2026 and HJ 663-2026; in force from
    /// 2026-03-01.
    Hj633_2026,
}

/// All editions, oldest first.
pub const AIR_EDITIONS: [AirEdition; 2] = [AirEdition::Hj633_2012, AirEdition::Hj633_2026];

const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // The literal dates below are valid calendar dates.
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

const FROM_2016: NaiveDate = ymd(2016, 1, 1);
const FROM_2026_03_01: NaiveDate = ymd(2026, 3, 1);
const LAST_2026_02_28: NaiveDate = ymd(2026, 2, 28);

impl AirEdition {
    /// The edition in force on `date` (air-aqi.md §0): HJ 633-2012 from
    /// 2016-01-01, HJ 633-2026 from 2026-03-01; `None` before 2016-01-01.
    pub fn in_force_on(date: NaiveDate) -> Option<AirEdition> {
        AIR_EDITIONS.iter().rev().copied().find(|e| e.effective_from() <= date)
    }

    /// First day in force (air-aqi.md §0; HJ 633-2012 nationally from
    /// 2016-01-01; HJ 633-2026 from 2026-03-01).
    pub fn effective_from(self) -> NaiveDate {
        match self {
            AirEdition::Hj633_2012 => FROM_2016,
            AirEdition::Hj633_2026 => FROM_2026_03_01,
        }
    }

    /// Last day in force, if repealed (HJ 633-2012 repealed 2026-03-01).
    pub fn last_day(self) -> Option<NaiveDate> {
        match self {
            AirEdition::Hj633_2012 => Some(LAST_2026_02_28),
            AirEdition::Hj633_2026 => None,
        }
    }

    /// The AQI standard's code.
    pub fn aqi_standard(self) -> &'static str {
        match self {
            AirEdition::Hj633_2012 => "HJ 633-2012",
            AirEdition::Hj633_2026 => "HJ 633-2026",
        }
    }

    /// The ambient standard's code (limits and validity).
    pub fn ambient_standard(self) -> &'static str {
        match self {
            AirEdition::Hj633_2012 => "GB 3095-2012",
            AirEdition::Hj633_2026 => "GB 3095-2026",
        }
    }

    /// The evaluation method's code (statistics).
    pub fn evaluation_standard(self) -> &'static str {
        match self {
            AirEdition::Hj633_2012 => "HJ 663-2013",
            AirEdition::Hj633_2026 => "HJ 663-2026",
        }
    }

    /// The GB 3095 limit set this edition applies on `date`: GB 3095-2012
    /// for the 2012 edition; GB 3095-2026 transition limits before
    /// 2031-01-01 and final limits from then (GB 3095-2026 4.4).
    pub fn limit_set_on(self, date: NaiveDate) -> LimitSet {
        match self {
            AirEdition::Hj633_2012 => LimitSet::Gb3095_2012,
            AirEdition::Hj633_2026 if date < LimitSet::FINAL_FROM_2031 => {
                LimitSet::Gb3095_2026Transition
            }
            AirEdition::Hj633_2026 => LimitSet::Gb3095_2026Final,
        }
    }

    /// Parses `HJ 633-2012`, `HJ633-2012`, `2012`, `HJ 633-2026`, `2026`.
    pub fn parse(text: &str) -> Option<AirEdition> {
        let compact: String =
            text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        match compact.as_str() {
            "HJ633-2012" | "2012" | "HJ633_2012" => Some(AirEdition::Hj633_2012),
            "HJ633-2026" | "2026" | "HJ633_2026" => Some(AirEdition::Hj633_2026),
            _ => None,
        }
    }
}

impl fmt::Display for AirEdition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.aqi_standard())
    }
}

/// A GB 3095 concentration-limit table (air-evaluation.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LimitSet {
    /// GB 3095-2012 table 1.
    Gb3095_2012,
    /// GB 3095-2026 table 1, transition limits (2026-03-01 .. 2030-12-31).
    Gb3095_2026Transition,
    /// GB 3095-2026 table 1, final limits (from 2031-01-01).
    Gb3095_2026Final,
}

impl LimitSet {
    /// First day of the GB 3095-2026 final limits (GB 3095-2026 4.4).
    pub const FINAL_FROM_2031: NaiveDate = ymd(2031, 1, 1);

    /// The limit set in force on `date` (2012 before 2026-03-01).
    pub fn in_force_on(date: NaiveDate) -> LimitSet {
        AirEdition::in_force_on(date).unwrap_or(AirEdition::Hj633_2012).limit_set_on(date)
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            LimitSet::Gb3095_2012 => "GB 3095-2012",
            LimitSet::Gb3095_2026Transition => "GB 3095-2026 transition",
            LimitSet::Gb3095_2026Final => "GB 3095-2026 final",
        }
    }
}

impl fmt::Display for LimitSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the edition of a period is chosen (issue: "an analyst can ask for a
/// period to be evaluated under a chosen edition for comparison").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EditionChoice {
    /// Each day under the edition in force on that day; days before
    /// 2016-01-01 (no edition nationally in force) under HJ 633-2012.
    #[default]
    ByDate,
    /// Every day under the given edition; for HJ 633-2026 the GB 3095-2026
    /// limit phase still follows the date.
    Fixed(AirEdition),
}

impl EditionChoice {
    /// The edition applied to `date`.
    pub fn edition_on(self, date: NaiveDate) -> AirEdition {
        match self {
            EditionChoice::ByDate => {
                AirEdition::in_force_on(date).unwrap_or(AirEdition::Hj633_2012)
            }
            EditionChoice::Fixed(edition) => edition,
        }
    }
}

/// How an hourly value is labelled (air-evaluation.md §1).
///
/// HJ 212 packets (CN 2061) carry the start of the hour in `DataTime`;
/// national publishing labels an hour by its end (the value labelled 16:00 is
/// the mean of 15:00–16:00). A day under the standard is the hours starting
/// 00:00..23:00, i.e. labelled 01:00..24:00 by their end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HourLabel {
    /// The label is the start of the hour (HJ 212 `DataTime`).
    PeriodStart,
    /// The label is the end of the hour (CNEMC publishing).
    PeriodEnd,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(AirEdition::in_force_on(ymd(2015, 12, 31)), None);
        assert_eq!(AirEdition::in_force_on(ymd(2016, 1, 1)), Some(AirEdition::Hj633_2012));
        assert_eq!(AirEdition::in_force_on(ymd(2026, 2, 28)), Some(AirEdition::Hj633_2012));
        assert_eq!(AirEdition::in_force_on(ymd(2026, 3, 1)), Some(AirEdition::Hj633_2026));
        assert_eq!(LimitSet::in_force_on(ymd(2030, 12, 31)), LimitSet::Gb3095_2026Transition);
        assert_eq!(LimitSet::in_force_on(ymd(2031, 1, 1)), LimitSet::Gb3095_2026Final);
        assert_eq!(LimitSet::in_force_on(ymd(2020, 1, 1)), LimitSet::Gb3095_2012);
        assert_eq!(AirEdition::parse("HJ 633-2026"), Some(AirEdition::Hj633_2026));
    }
}
