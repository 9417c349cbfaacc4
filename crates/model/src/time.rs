//! Time: UTC instants for storage, Beijing local time at the edges.
//!
//! HJ 212 timestamps (`QN`, `DataTime`, `SystemTime`) are Beijing time (UTC+8)
//! without a zone. Everything stored is a UTC [`Instant`]; a [`BeijingTime`] is
//! converted at the edges with [`BeijingTime::to_instant`] and
//! [`Instant::to_beijing`]. China has used UTC+8 without daylight saving since
//! 1991, so the conversion is a fixed offset.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Seconds east of UTC of Beijing time.
pub const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

fn beijing_offset() -> FixedOffset {
    // 8 h is well inside FixedOffset's ±24 h range.
    FixedOffset::east_opt(BEIJING_OFFSET_SECS).expect("UTC+8 is a valid offset")
}

/// An unambiguous instant, stored and compared in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub DateTime<Utc>);

impl Instant {
    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The instant at `millis` milliseconds since the Unix epoch, if representable.
    pub fn from_unix_millis(millis: i64) -> Option<Instant> {
        DateTime::<Utc>::from_timestamp_millis(millis).map(Instant)
    }

    /// The same instant as a Beijing wall-clock time.
    pub fn to_beijing(self) -> BeijingTime {
        BeijingTime(self.0.with_timezone(&beijing_offset()).naive_local())
    }

    /// RFC 3339 text in UTC with millisecond precision, e.g. `2026-11-29T02:00:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl std::fmt::Display for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// A Beijing (UTC+8) wall-clock time, as HJ 212 devices write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BeijingTime(pub NaiveDateTime);

impl BeijingTime {
    /// Parses HJ 212 time text: `YYYYMMDDhhmmss` (14 digits) or with milliseconds
    /// `YYYYMMDDhhmmsszzz` (17 digits, as in `QN`).
    pub fn parse_hj212(text: &str) -> Result<BeijingTime> {
        parse_digits(text.as_bytes()).ok_or_else(|| Error::InvalidTime { found: text.to_owned() })
    }

    /// The UTC instant this Beijing time denotes.
    pub fn to_instant(self) -> Instant {
        let local = beijing_offset()
            .from_local_datetime(&self.0)
            .single()
            .expect("a fixed offset maps every local time to exactly one instant");
        Instant(local.with_timezone(&Utc))
    }

    /// `YYYYMMDDhhmmss`, as HJ 212 writes `DataTime`.
    pub fn to_hj212(self) -> String {
        self.0.format("%Y%m%d%H%M%S").to_string()
    }

    /// `YYYYMMDDhhmmsszzz`, as HJ 212 writes `QN`.
    pub fn to_hj212_qn(self) -> String {
        self.0.format("%Y%m%d%H%M%S%3f").to_string()
    }

    /// The Beijing calendar day, the day the air and water standards count in.
    pub fn date(self) -> NaiveDate {
        self.0.date()
    }
}

impl std::fmt::Display for BeijingTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}+08:00", self.0.format("%Y-%m-%dT%H:%M:%S"))
    }
}

fn parse_digits(bytes: &[u8]) -> Option<BeijingTime> {
    if !(bytes.len() == 14 || bytes.len() == 17) || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> u32 {
        bytes[range].iter().fold(0u32, |acc, digit| acc * 10 + u32::from(digit - b'0'))
    };
    let date = NaiveDate::from_ymd_opt(number(0..4) as i32, number(4..6), number(6..8))?;
    let millis = if bytes.len() == 17 { number(14..17) } else { 0 };
    let time = date.and_hms_milli_opt(number(8..10), number(10..12), number(12..14), millis)?;
    Some(BeijingTime(time))
}

/// The source of "now". Pure rules take `now` as an argument instead.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's wall clock: the one place Qingshan reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // This is the helper the lint points to.
    fn now(&self) -> Instant {
        Instant(Utc::now())
    }
}

/// A clock that always says the same instant, for tests and replays.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Instant);

impl Clock for FixedClock {
    fn now(&self) -> Instant {
        self.0
    }
}

/// Start of the Beijing calendar day containing `instant`, as an instant.
pub fn beijing_day_start(instant: Instant) -> Instant {
    let local = instant.to_beijing().0;
    BeijingTime(local.date().and_hms_opt(0, 0, 0).expect("midnight exists")).to_instant()
}

/// Start of the Beijing clock hour containing `instant`.
pub fn beijing_hour_start(instant: Instant) -> Instant {
    let local = instant.to_beijing().0;
    let hour = local.date().and_hms_opt(local.hour(), 0, 0).expect("the hour exists");
    BeijingTime(hour).to_instant()
}

/// Beijing year of `instant`.
pub fn beijing_year(instant: Instant) -> i32 {
    instant.to_beijing().0.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hj212_time_is_beijing_and_stored_as_utc() {
        let local = BeijingTime::parse_hj212("20160801085857").unwrap();
        assert_eq!(local.to_instant().to_rfc3339(), "2016-08-01T00:58:57.000Z");
        assert_eq!(local.to_instant().to_beijing(), local);
        assert_eq!(local.to_hj212(), "20160801085857");
    }

    #[test]
    fn qn_with_millis_parses() {
        let local = BeijingTime::parse_hj212("20160801085857223").unwrap();
        assert_eq!(local.to_hj212_qn(), "20160801085857223");
        assert_eq!(local.to_instant().unix_millis() % 1000, 223);
    }

    #[test]
    fn bad_times_are_errors_not_panics() {
        for text in [
            "",
            "2016080108585",
            "20161301085857",
            "20160230000000",
            "2016080108585x",
            "20160801246000",
        ] {
            assert!(BeijingTime::parse_hj212(text).is_err(), "{text}");
        }
    }

    #[test]
    fn beijing_day_starts_at_16_utc() {
        let instant = BeijingTime::parse_hj212("20260301003000").unwrap().to_instant();
        assert_eq!(beijing_day_start(instant).to_rfc3339(), "2026-02-28T16:00:00.000Z");
        assert_eq!(beijing_hour_start(instant).to_rfc3339(), "2026-02-28T16:00:00.000Z");
    }
}
