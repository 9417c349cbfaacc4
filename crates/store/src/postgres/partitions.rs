//! Monthly partitions of `reading` (by data time) and `raw_packet` (by receive time).
//!
//! A partition covers one UTC month, `[first day 00:00, next first day)`, and is
//! named `<table>_pYYYYMM`. The writer creates the months a batch needs before
//! the batch's transaction (and remembers which exist), and [`super::PgStore::open`]
//! creates the current and the next month ahead. Creation takes a
//! transaction-level advisory lock and uses `IF NOT EXISTS`, so two gateways
//! meeting a new month at once do not collide. An empty partition is harmless,
//! so creating them outside the batch's transaction loses nothing if it rolls back.

use ::postgres::GenericClient;
use chrono::{DateTime, Datelike, Months, NaiveDate};

use super::database_error;
use crate::{Error, Result};

/// The advisory lock key that serialises partition creation ("qs-part").
const PARTITION_LOCK: i64 = 0x0071_732d_7061_7274;

/// The partitioned tables.
pub(crate) const TABLES: [&str; 2] = ["reading", "raw_packet"];

/// A UTC month: its first millisecond and the first of the next month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Month {
    year: i32,
    month: u32,
    start_ms: i64,
    end_ms: i64,
}

impl Month {
    /// The month containing `ms`.
    pub(crate) fn containing(ms: i64) -> Result<Month> {
        let out_of_range = || Error::Database {
            during: "computing a month partition",
            source: format!("{ms} ms is outside the calendar").into(),
        };
        let date = DateTime::from_timestamp_millis(ms).ok_or_else(out_of_range)?.date_naive();
        let first =
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1).ok_or_else(out_of_range)?;
        let next = first.checked_add_months(Months::new(1)).ok_or_else(out_of_range)?;
        let start_ms =
            first.and_hms_opt(0, 0, 0).ok_or_else(out_of_range)?.and_utc().timestamp_millis();
        let end_ms =
            next.and_hms_opt(0, 0, 0).ok_or_else(out_of_range)?.and_utc().timestamp_millis();
        Ok(Month { year: first.year(), month: first.month(), start_ms, end_ms })
    }

    /// Its first millisecond (UTC).
    pub(crate) fn start_ms(self) -> i64 {
        self.start_ms
    }

    /// The month after this one.
    pub(crate) fn next(self) -> Result<Month> {
        Month::containing(self.end_ms)
    }

    fn partition_name(self, table: &str) -> String {
        let sign = if self.year < 0 { "n" } else { "" };
        format!("{table}_p{sign}{:04}{:02}", self.year.unsigned_abs(), self.month)
    }
}

/// Creates the partitions of `table` for `months` that do not exist yet.
pub(crate) fn create(client: &mut impl GenericClient, table: &str, months: &[Month]) -> Result<()> {
    const DURING: &str = "creating a monthly partition";
    if months.is_empty() {
        return Ok(());
    }
    let mut tx = client.transaction().map_err(database_error(DURING))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
        .map_err(database_error(DURING))?;
    for month in months {
        // Names and bounds are ours (integers), never input text.
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF {table} FOR VALUES FROM ({}) TO ({})",
            month.partition_name(table),
            month.start_ms,
            month.end_ms
        ))
        .map_err(database_error(DURING))?;
    }
    tx.commit().map_err(database_error(DURING))
}

#[cfg(test)]
mod tests {
    use super::Month;

    #[test]
    fn months_are_utc_calendar_months() {
        // 2026-11-18T17:46:40Z.
        let month = Month::containing(1_795_000_000_000).unwrap();
        assert_eq!(month.partition_name("reading"), "reading_p202611");
        assert_eq!(month.start_ms, 1_793_491_200_000);
        let next = month.next().unwrap();
        assert_eq!(next.partition_name("raw_packet"), "raw_packet_p202612");
        assert_eq!(next.start_ms, month.end_ms);
        assert_eq!(Month::containing(month.end_ms - 1).unwrap(), month);
        assert_eq!(Month::containing(-1).unwrap().partition_name("reading"), "reading_p196912");
    }
}
