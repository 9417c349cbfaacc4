//! HJ 212 local date-times (`YYYYMMDDhhmmss`, optionally `zzz` milliseconds).
//!
//! Every time on the wire is the device's local wall-clock time (Beijing time
//! in practice) without an offset. This crate keeps it as a local time and
//! never converts it: conversion to UTC belongs to `model::time`.

use std::fmt;

use crate::error::{Error, Result, excerpt};

/// A local wall-clock date-time as HJ 212 writes it (`DataTime`, `SystemTime`,
/// `BeginTime`, the first 17 digits of `QN`). No offset: it is local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    /// Year, 4 digits.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day of month 1–31.
    pub day: u8,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–59.
    pub second: u8,
    /// Milliseconds 0–999, when the text had 17 digits.
    pub millis: Option<u16>,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn digits_value(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |acc, byte| acc * 10 + u32::from(byte.wrapping_sub(b'0')))
}

impl LocalDateTime {
    /// Parses 14 digits `YYYYMMDDhhmmss` or 17 digits `YYYYMMDDhhmmsszzz`.
    ///
    /// ```
    /// let t = hj212::LocalDateTime::parse("20160801085857").unwrap();
    /// assert_eq!((t.year, t.month, t.second, t.millis), (2016, 8, 57, None));
    /// ```
    pub fn parse(text: &str) -> Result<LocalDateTime> {
        let bad = |why| Error::BadTime { found: excerpt(text), why };
        let bytes = text.as_bytes();
        if bytes.len() != 14 && bytes.len() != 17 {
            return Err(bad("not 14 or 17 digits"));
        }
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(bad("not all digits"));
        }
        let field = |from: usize, to: usize| bytes.get(from..to).map(digits_value).unwrap_or(0);
        let time = LocalDateTime {
            year: field(0, 4) as u16,
            month: field(4, 6) as u8,
            day: field(6, 8) as u8,
            hour: field(8, 10) as u8,
            minute: field(10, 12) as u8,
            second: field(12, 14) as u8,
            millis: (bytes.len() == 17).then(|| field(14, 17) as u16),
        };
        time.validate().map_err(bad)?;
        Ok(time)
    }

    /// Checks the calendar: month, day of month, hour, minute, second, milliseconds.
    fn validate(&self) -> std::result::Result<(), &'static str> {
        if !(1..=12).contains(&self.month) {
            return Err("month out of range");
        }
        if self.day == 0 || self.day > days_in_month(self.year, self.month) {
            return Err("day out of range");
        }
        if self.hour > 23 || self.minute > 59 || self.second > 59 {
            return Err("time of day out of range");
        }
        if self.millis.is_some_and(|millis| millis > 999) {
            return Err("milliseconds out of range");
        }
        Ok(())
    }

    /// Builds a time from its parts, checking the calendar.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<LocalDateTime> {
        let time = LocalDateTime { year, month, day, hour, minute, second, millis: None };
        time.validate().map_err(|why| Error::BadTime { found: time.to_string(), why })?;
        Ok(time)
    }

    /// The same time with milliseconds (for building a `QN`).
    pub fn with_millis(self, millis: u16) -> Result<LocalDateTime> {
        let time = LocalDateTime { millis: Some(millis), ..self };
        time.validate().map_err(|why| Error::BadTime { found: time.to_string(), why })?;
        Ok(time)
    }

    /// The 14-digit text `YYYYMMDDhhmmss` (milliseconds dropped).
    pub fn to_compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// The 17-digit `QN` text `YYYYMMDDhhmmsszzz` (milliseconds 000 when absent).
    pub fn to_qn(&self) -> String {
        format!("{}{:03}", self.to_compact(), self.millis.unwrap_or(0))
    }
}

impl fmt::Display for LocalDateTime {
    /// Writes the wire form: 14 digits, or 17 when milliseconds are present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if let Some(millis) = self.millis {
            write!(f, "{millis:03}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let t = LocalDateTime::parse("20160801085857223").unwrap();
        assert_eq!(t.millis, Some(223));
        assert_eq!(t.to_string(), "20160801085857223");
        assert_eq!(t.to_compact(), "20160801085857");
        assert_eq!(LocalDateTime::parse("20240229000000").unwrap().day, 29);
        for bad in [
            "20230229000000",
            "2016080108585",
            "20161301000000",
            "2016080108585x",
            "20160801245857",
            "",
        ] {
            assert_eq!(LocalDateTime::parse(bad).unwrap_err().reason(), "bad_time", "{bad}");
        }
    }
}
