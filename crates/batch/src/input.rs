//! Reading CSV: the header, the record loop, times, and the refusal summary.

use std::io::{BufRead, Write};

use chrono::{NaiveDate, NaiveDateTime};

use crate::error::{Error, Result, RowError};

/// Options for reading an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// How many row errors to keep in [`Summary::errors`]; all are counted.
    /// Default 10 000.
    pub max_errors_kept: usize,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions { max_errors_kept: 10_000 }
    }
}

/// What happened to the input's rows.
#[derive(Debug, Default)]
pub struct Summary {
    /// Data rows read (the header, blank lines and rows of empty fields are
    /// not counted).
    pub n_rows: u64,
    /// Rows refused: none of their values is used.
    pub n_refused: u64,
    /// Values accepted.
    pub n_values: u64,
    /// Values given again, identically, for the same station-hour (air):
    /// accepted once.
    pub n_identical_duplicates: u64,
    /// Earlier accepted values withdrawn because a later row conflicted
    /// with them (air).
    pub n_withdrawn: u64,
    /// Rows written to the output.
    pub n_output_rows: u64,
    /// The refused rows' errors in input order, at most
    /// [`ReadOptions::max_errors_kept`] of them.
    pub errors: Vec<RowError>,
    /// Row errors not kept in `errors`.
    pub n_errors_dropped: u64,
}

impl Summary {
    /// Whether there were rows and every one was refused (the CLI then
    /// exits non-zero).
    pub fn every_row_refused(&self) -> bool {
        self.n_rows > 0 && self.n_refused == self.n_rows
    }

    /// Writes the summary for people: counts, then the first `max_errors`
    /// errors as `line:column (name) reason: message`.
    pub fn write_report<W: Write>(&self, mut out: W, max_errors: usize) -> std::io::Result<()> {
        writeln!(
            out,
            "{} rows read, {} refused, {} values accepted, {} identical duplicates ignored, {} values withdrawn by conflicts, {} rows written",
            self.n_rows,
            self.n_refused,
            self.n_values,
            self.n_identical_duplicates,
            self.n_withdrawn,
            self.n_output_rows
        )?;
        let n_errors = self.errors.len() as u64 + self.n_errors_dropped;
        for error in self.errors.iter().take(max_errors) {
            writeln!(out, "  {error}")?;
        }
        let shown = self.errors.len().min(max_errors) as u64;
        if n_errors > shown {
            writeln!(out, "  … and {} more errors", n_errors - shown)?;
        }
        Ok(())
    }

    pub(crate) fn push_error(&mut self, error: RowError, options: &ReadOptions) {
        if self.errors.len() < options.max_errors_kept {
            self.errors.push(error);
        } else {
            self.n_errors_dropped += 1;
        }
    }
}

/// A CSV input: the header, then records with their line numbers.
pub(crate) struct CsvInput<R: BufRead> {
    reader: csv::Reader<R>,
    /// Header names, trimmed, BOM removed.
    pub(crate) header: Vec<String>,
}

impl<R: BufRead> CsvInput<R> {
    /// Reads the header line.
    pub(crate) fn open(input: R, expected: &'static str) -> Result<CsvInput<R>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let mut record = csv::ByteRecord::new();
        loop {
            if !reader.read_byte_record(&mut record).map_err(Error::from_csv)? {
                return Err(Error::EmptyInput { expected });
            }
            if !is_blank(&record) {
                break;
            }
        }
        let header = record
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let field = if i == 0 {
                    field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
                } else {
                    field
                };
                String::from_utf8_lossy(field.trim_ascii()).into_owned()
            })
            .collect();
        Ok(CsvInput { reader, header })
    }

    /// Reads the next data record, skipping blank ones; returns its line.
    pub(crate) fn next(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>> {
        loop {
            if !self.reader.read_byte_record(record).map_err(Error::from_csv)? {
                return Ok(None);
            }
            if !is_blank(record) {
                return Ok(Some(record.position().map_or(0, |p| p.line())));
            }
        }
    }
}

/// A record whose fields are all empty or spaces (e.g. `,,,` from a
/// spreadsheet): skipped like a blank line.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.trim_ascii().is_empty())
}

/// Finds a column by any of its accepted names (ASCII case-insensitive).
pub(crate) fn find_column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

/// Like [`find_column`], or a [`Error::MissingColumn`].
pub(crate) fn require_column(
    header: &[String],
    names: &[&str],
    canonical: &'static str,
) -> Result<usize> {
    find_column(header, names)
        .ok_or_else(|| Error::MissingColumn { name: canonical, found: header.join(",") })
}

/// A field as UTF-8 text, trimmed.
pub(crate) fn text(field: &[u8]) -> Result<&str> {
    std::str::from_utf8(field.trim_ascii()).map_err(|_| Error::NotUtf8)
}

/// Whether a value field means "no value": empty or `NA`.
pub(crate) fn is_no_value(field: &[u8]) -> bool {
    let field = field.trim_ascii();
    field.is_empty() || field.eq_ignore_ascii_case(b"NA")
}

// ---------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------

/// A Beijing local time as read: days since 1970-01-01 and the time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LocalTime {
    /// Days since 1970-01-01 (a `24:00` time is already the next day).
    pub(crate) days: i64,
    /// Hour 0..=23.
    pub(crate) hour: u32,
    /// Minute 0..=59.
    pub(crate) minute: u32,
    /// Second 0..=59.
    pub(crate) second: u32,
}

impl LocalTime {
    /// Hours since 1970-01-01 00:00, when on a whole hour.
    pub(crate) fn whole_hour(self) -> Option<i64> {
        (self.minute == 0 && self.second == 0).then_some(self.days * 24 + i64::from(self.hour))
    }

    /// As a chrono time.
    pub(crate) fn to_naive(self) -> NaiveDateTime {
        date_of_day(self.days).and_hms_opt(self.hour, self.minute, self.second).unwrap_or_default()
    }
}

/// `YYYY-MM-DD HH:MM`, or with `:SS` when the seconds are not zero.
pub(crate) fn format_time(time: LocalTime) -> String {
    let date = date_of_day(time.days);
    if time.second == 0 {
        format!("{date} {:02}:{:02}", time.hour, time.minute)
    } else {
        format!("{date} {:02}:{:02}:{:02}", time.hour, time.minute, time.second)
    }
}

/// The calendar date of a day number (days since 1970-01-01).
pub(crate) fn date_of_day(days: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(days)))
        .unwrap_or_default()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
}

/// Why a time field was refused.
pub(crate) enum TimeError {
    /// Neither format.
    Syntax,
    /// A year outside 2000..=2099.
    Year(i64),
}

/// Parses Beijing local time: `YYYY-MM-DD HH:MM[:SS]` (a `T` instead of the
/// space is accepted too) or `YYYYMMDDhhmmss`; with `date_only`, also
/// `YYYY-MM-DD` and `YYYYMMDD` (00:00). `24:00[:00]` is 00:00 of the next
/// day. Years must be within 2000..=2099.
pub(crate) fn parse_time(field: &[u8], date_only: bool) -> Result<LocalTime, TimeError> {
    let b = field.trim_ascii();
    // Year, month, day, then hour, minute, second when given.
    type Fields<'a> = (&'a [u8], &'a [u8], &'a [u8], Option<(&'a [u8], &'a [u8], &'a [u8])>);
    let (y, mo, d, rest): Fields<'_> = match b.len() {
        14 if b.iter().all(u8::is_ascii_digit) => {
            (&b[0..4], &b[4..6], &b[6..8], Some((&b[8..10], &b[10..12], &b[12..14])))
        }
        8 if date_only && b.iter().all(u8::is_ascii_digit) => (&b[0..4], &b[4..6], &b[6..8], None),
        10 if date_only && b[4] == b'-' && b[7] == b'-' => (&b[0..4], &b[5..7], &b[8..10], None),
        16 | 19
            if b[4] == b'-'
                && b[7] == b'-'
                && (b[10] == b' ' || b[10] == b'T')
                && b[13] == b':'
                && (b.len() == 16 || b[16] == b':') =>
        {
            let second: &[u8] = if b.len() == 19 { &b[17..19] } else { b"00" };
            (&b[0..4], &b[5..7], &b[8..10], Some((&b[11..13], &b[14..16], second)))
        }
        _ => return Err(TimeError::Syntax),
    };
    let year = i64::from(digits(y).ok_or(TimeError::Syntax)?);
    let month = digits(mo).ok_or(TimeError::Syntax)?;
    let day = digits(d).ok_or(TimeError::Syntax)?;
    let (hour, minute, second) = match rest {
        Some((h, mi, s)) => (
            digits(h).ok_or(TimeError::Syntax)?,
            digits(mi).ok_or(TimeError::Syntax)?,
            digits(s).ok_or(TimeError::Syntax)?,
        ),
        None => (0, 0, 0),
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimeError::Syntax);
    }
    if !(2000..=2099).contains(&year) {
        return Err(TimeError::Year(year));
    }
    let mut days = days_from_civil(year, month, day);
    let hour = match (hour, minute, second) {
        (24, 0, 0) => {
            days += 1;
            0
        }
        (0..=23, 0..=59, 0..=59) => hour,
        _ => return Err(TimeError::Syntax),
    };
    Ok(LocalTime { days, hour, minute, second })
}

/// [`parse_time`] with its error as an [`Error`].
pub(crate) fn parse_time_or_error(field: &[u8], date_only: bool) -> Result<LocalTime> {
    parse_time(field, date_only).map_err(|e| match e {
        TimeError::Syntax => Error::BadTime {
            text: String::from_utf8_lossy(field.trim_ascii()).into_owned(),
            date_only: if date_only { ", or the date alone YYYY-MM-DD or YYYYMMDD" } else { "" },
        },
        TimeError::Year(year) => Error::YearOutOfRange { year },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        let t = parse_time(b"2024-02-29 23:00", false).ok().unwrap();
        assert_eq!(t.to_naive().to_string(), "2024-02-29 23:00:00");
        let t = parse_time(b"20250101240000", false).ok().unwrap();
        assert_eq!(t.to_naive().to_string(), "2025-01-02 00:00:00");
        assert!(parse_time(b"2025-02-29 01:00", false).is_err());
        assert!(parse_time(b"2025-01-01", false).is_err());
        assert!(parse_time(b"2025-01-01", true).is_ok());
        assert!(parse_time(b"2025-01-01 24:30", false).is_err());
        assert!(matches!(parse_time(b"1999-12-31 23:00", false), Err(TimeError::Year(1999))));
    }
}
