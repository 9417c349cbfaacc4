//! How values are stored, whatever the backend: instants as UTC milliseconds,
//! data kinds as small integers, JSON as text, and the checks that turn stored
//! columns back into our types (a bad value is [`Error::Corrupt`], never a panic).

use model::{DataKind, Instant};
use serde::Serialize;

use crate::{Error, PointKind, Result, Verdict};

/// An instant as stored: integer UTC milliseconds (sub-millisecond precision is dropped).
pub(crate) fn millis(instant: Instant) -> i64 {
    instant.unix_millis()
}

/// A data kind as stored: 0 realtime, 1 minute, 2 hour, 3 day.
pub(crate) fn kind_to_db(kind: DataKind) -> i64 {
    match kind {
        DataKind::Realtime => 0,
        DataKind::Minute => 1,
        DataKind::Hour => 2,
        DataKind::Day => 3,
    }
}

/// The data kind stored as `value` by [`kind_to_db`].
pub(crate) fn kind_from_db(value: i64) -> Result<DataKind> {
    match value {
        0 => Ok(DataKind::Realtime),
        1 => Ok(DataKind::Minute),
        2 => Ok(DataKind::Hour),
        3 => Ok(DataKind::Day),
        other => Err(Error::Corrupt {
            table: "reading",
            column: "kind",
            detail: format!("unknown kind {other}"),
        }),
    }
}

/// A row limit as a SQL integer (saturating).
pub(crate) fn limit_to_db(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A value as JSON text.
pub(crate) fn json_text<T: Serialize>(value: &T, during: &'static str) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|source| Error::Database { during, source: Box::new(source) })
}

/// JSON text read back from `table.column`.
pub(crate) fn json_from_db<T: serde::de::DeserializeOwned>(
    text: &str,
    table: &'static str,
    column: &'static str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|error| Error::Corrupt {
        table,
        column,
        detail: error.to_string(),
    })
}

/// Milliseconds read back from `table.column` as an instant.
pub(crate) fn instant_from_db(
    ms: i64,
    table: &'static str,
    column: &'static str,
) -> Result<Instant> {
    Instant::from_unix_millis(ms).ok_or_else(|| Error::Corrupt {
        table,
        column,
        detail: format!("{ms} ms is out of range"),
    })
}

/// A stored CN (`raw_packet.cn`).
pub(crate) fn cn_from_db(cn: Option<i64>) -> Result<Option<u16>> {
    cn.map(|cn| {
        u16::try_from(cn).map_err(|_| Error::Corrupt {
            table: "raw_packet",
            column: "cn",
            detail: format!("{cn} is not a CN"),
        })
    })
    .transpose()
}

/// A stored verdict label and reason (`raw_packet.verdict`, `raw_packet.reason`).
pub(crate) fn verdict_from_db(label: &str, reason: Option<String>) -> Result<Verdict> {
    match (label, reason) {
        ("accepted", None) => Ok(Verdict::Accepted),
        ("archived", None) => Ok(Verdict::Archived),
        ("refused", Some(reason)) => Ok(Verdict::Refused { reason }),
        ("malformed", Some(reason)) => Ok(Verdict::Malformed { reason }),
        (label, reason) => Err(Error::Corrupt {
            table: "raw_packet",
            column: "verdict",
            detail: format!("verdict {label:?} with reason {reason:?}"),
        }),
    }
}

/// A stored point kind (`point.kind`).
pub(crate) fn point_kind_from_db(kind: &str) -> Result<PointKind> {
    PointKind::parse(kind).ok_or_else(|| Error::Corrupt {
        table: "point",
        column: "kind",
        detail: format!("unknown point kind {kind:?}"),
    })
}

/// A stored parameter code (`param.code`).
pub(crate) fn param_from_db(code: &str) -> Result<model::ParamCode> {
    model::ParamCode::parse(code).map_err(|error| Error::Corrupt {
        table: "param",
        column: "code",
        detail: error.to_string(),
    })
}

/// A stored MN (`device.mn`).
pub(crate) fn mn_from_db(mn: &str) -> Result<model::Mn> {
    model::Mn::parse(mn).map_err(|error| Error::Corrupt {
        table: "device",
        column: "mn",
        detail: error.to_string(),
    })
}

/// A stored derived-result kind (`derived_result.kind`).
pub(crate) fn derived_kind_from_db(kind: &str) -> Result<crate::DerivedKind> {
    crate::DerivedKind::parse(kind).ok_or_else(|| Error::Corrupt {
        table: "derived_result",
        column: "kind",
        detail: format!("unknown derived kind {kind:?}"),
    })
}

/// A `count(*)` read back as a count.
pub(crate) fn count_from_db(n: i64, table: &'static str) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Corrupt {
        table,
        column: "count(*)",
        detail: format!("negative count {n}"),
    })
}
