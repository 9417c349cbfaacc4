//! A reading: the values one device reported for one parameter and period.
//!
//! **Identity.** A reading is identified by [`ReadingKey`]: point, parameter,
//! data kind and data time. Devices re-send after a lost acknowledgement and
//! re-send history on request; both produce readings with a key already
//! stored, which ingestion stores once (the first accepted version is kept).

use serde::{Deserialize, Serialize};

use crate::{Instant, ParamCode, PointId};

/// The kind of data a packet carries, from its CN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// Realtime data (实时数据), CN 2011; `DataTime` is the sampling instant.
    Realtime,
    /// Minute data (分钟数据), CN 2051; `DataTime` is the period start.
    Minute,
    /// Hour data (小时数据), CN 2061; `DataTime` is the start of the hour.
    Hour,
    /// Day data (日数据), CN 2031; `DataTime` is the start of the day.
    Day,
}

impl DataKind {
    /// All kinds, finest first.
    pub const ALL: [DataKind; 4] =
        [DataKind::Realtime, DataKind::Minute, DataKind::Hour, DataKind::Day];

    /// The 2017 upload CN that carries this kind.
    pub fn cn(self) -> u16 {
        match self {
            DataKind::Realtime => 2011,
            DataKind::Minute => 2051,
            DataKind::Hour => 2061,
            DataKind::Day => 2031,
        }
    }

    /// The kind an upload CN carries, if it is a data upload.
    pub fn from_cn(cn: u16) -> Option<DataKind> {
        match cn {
            2011 => Some(DataKind::Realtime),
            2051 => Some(DataKind::Minute),
            2061 => Some(DataKind::Hour),
            2031 => Some(DataKind::Day),
            _ => None,
        }
    }

    /// Stable lower-case name used in storage, URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Realtime => "realtime",
            DataKind::Minute => "minute",
            DataKind::Hour => "hour",
            DataKind::Day => "day",
        }
    }

    /// Parses the name written by [`DataKind::as_str`].
    pub fn parse(text: &str) -> Option<DataKind> {
        DataKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// What identifies a reading: two readings with the same key are the same data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ReadingKey {
    /// The monitoring point the reporting device belongs to.
    pub point: PointId,
    /// The parameter measured.
    pub param: ParamCode,
    /// Realtime, minute, hour or day.
    pub kind: DataKind,
    /// The HJ 212 `DataTime`, converted from Beijing time to UTC.
    pub data_time: Instant,
}

/// The value fields HJ 212 defines per parameter (table 4). Absent fields are `None`.
///
/// Values are kept as `f64` as decoded from the packet's decimal text; consumers
/// that round per a standard convert to scaled integers with rounding (never
/// truncation), which recovers the sent decimal exactly for the precisions
/// devices send.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadingValues {
    /// `Rtd`: realtime value.
    pub rtd: Option<f64>,
    /// `Min`: minimum over the period.
    pub min: Option<f64>,
    /// `Avg`: average over the period.
    pub avg: Option<f64>,
    /// `Max`: maximum over the period.
    pub max: Option<f64>,
    /// `ZsRtd`: converted (折算) realtime value.
    pub zs_rtd: Option<f64>,
    /// `ZsMin`: converted minimum.
    pub zs_min: Option<f64>,
    /// `ZsAvg`: converted average.
    pub zs_avg: Option<f64>,
    /// `ZsMax`: converted maximum.
    pub zs_max: Option<f64>,
    /// `Cou`: cumulative amount over the period.
    pub cou: Option<f64>,
    /// `Flag`: data flag (数据标记) as sent, e.g. `N`, `D`, `M`.
    pub flag: Option<String>,
    /// `EFlag`: instrument-defined extended flag.
    pub eflag: Option<String>,
    /// `SampleTime`: sampling time for instruments that sample (Beijing time text as sent).
    pub sample_time: Option<String>,
}

impl ReadingValues {
    /// The value that represents the period: `Avg` for minute/hour/day data,
    /// `Rtd` for realtime data, falling back to the other when absent.
    pub fn representative(&self, kind: DataKind) -> Option<f64> {
        match kind {
            DataKind::Realtime => self.rtd.or(self.avg),
            _ => self.avg.or(self.rtd),
        }
    }

    /// Whether the values may be used in evaluation: no flag, or `N`
    /// (normal, HJ 212-2017 table 3). Other flags (maintenance,
    /// calibration, fault …) make the period missing, never zero.
    pub fn is_usable(&self) -> bool {
        self.flag.as_deref().is_none_or(|flag| flag.eq_ignore_ascii_case("N"))
    }

    /// The number of numeric fields present (the "values" a packet carries).
    pub fn n_values(&self) -> usize {
        [
            self.rtd,
            self.min,
            self.avg,
            self.max,
            self.zs_rtd,
            self.zs_min,
            self.zs_avg,
            self.zs_max,
            self.cou,
        ]
        .iter()
        .filter(|value| value.is_some())
        .count()
    }
}

/// One stored reading: its identity and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// What identifies this reading.
    pub key: ReadingKey,
    /// The values reported.
    pub values: ReadingValues,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_cn_and_name() {
        for kind in DataKind::ALL {
            assert_eq!(DataKind::from_cn(kind.cn()), Some(kind));
            assert_eq!(DataKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DataKind::from_cn(9014), None);
    }

    #[test]
    fn representative_prefers_avg_for_periods() {
        let values = ReadingValues { rtd: Some(1.0), avg: Some(2.0), ..Default::default() };
        assert_eq!(values.representative(DataKind::Minute), Some(2.0));
        assert_eq!(values.representative(DataKind::Realtime), Some(1.0));
        assert_eq!(values.n_values(), 2);
    }
}
