//! Corrections of stored readings: new versions, never overwrites (#4).
//!
//! A reading as received (version 1) stays in `reading`, and the raw packet it
//! came in stays in the archive. A correction adds version 2, 3, … of the same
//! [`model::ReadingKey`] with the full corrected values, who made it, when and
//! why; the newest version is the current one. [`crate::Store::readings`]
//! returns current values, so everything downstream (derived results, alarms,
//! totals, plan metrics, exports) uses them; [`CorrectionStore::marked_readings`]
//! returns the same readings with a marker naming the correction, and
//! [`CorrectionStore::reading_history`] every version.
//!
//! **Re-evaluation.** A correction takes its place in the order of the raw
//! archive just after the newest packet stored when it was made, where the next
//! packet will go ([`ReadingVersion::arrival_raw_id`]). The watermark scans of evaluation and
//! alarms ([`crate::DerivedStore::touched_readings`]) report it like a late
//! reading once the archive has passed that place, that is, with the next packet
//! any device sends; a correction of realtime or minute data reports its hour in
//! the hour scan, so the hour's day is judged again.
//!
//! Every correction is audited in its own transaction
//! (`reading_corrected`, with `before` and `after` values and the reason).

use model::{Instant, Reading, ReadingKey, ReadingValues};
use serde::{Deserialize, Serialize};

use crate::{ReadingQuery, Result};

/// A correction to store: the reading it corrects, its new values and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCorrection {
    /// The reading corrected; it must be stored.
    pub key: ReadingKey,
    /// The full corrected values (fields left `None` are absent in the new version).
    pub values: ReadingValues,
    /// Why (必填): e.g. the calibration record or the inspection that found the error.
    pub reason: String,
    /// The version the values were made from, when they patch one: the
    /// correction is refused if another correction came first.
    pub base_version: Option<u32>,
}

/// One version of a reading: as received (version 1) or a correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingVersion {
    /// 1 as received, then one more per correction.
    pub version: u32,
    /// The values of this version.
    pub values: ReadingValues,
    /// Who made the correction; `None` for the version as received.
    pub actor: Option<String>,
    /// When the correction was made; `None` for the version as received.
    pub at: Option<Instant>,
    /// Why; `None` for the version as received.
    pub reason: Option<String>,
    /// Where this version arrives in the raw archive's order: the id of the raw
    /// packet the reading came in (version 1), or, for a correction, one past the
    /// newest packet archived when it was made, so the watermark scans report it
    /// together with the next packet.
    pub arrival_raw_id: i64,
}

/// Who corrected a reading's current version, when and why: the marker queries show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionMarker {
    /// The current version (2 or more).
    pub version: u32,
    /// Who made it.
    pub actor: String,
    /// When.
    pub at: Instant,
    /// Why.
    pub reason: String,
}

/// A reading's current version and, if it was corrected, the marker saying so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkedReading {
    /// The reading with its current values.
    pub reading: Reading,
    /// `Some` when the current values are a correction.
    pub corrected: Option<CorrectionMarker>,
}

/// Errors specific to corrections, carried by [`crate::Error::Correction`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    /// A correction needs a reason.
    #[error("a correction needs a reason (更正须说明原因)")]
    ReasonRequired,
    /// The new values equal the current ones.
    #[error("the corrected values equal the current version {version} (更正值与当前版本相同)")]
    Unchanged {
        /// The current version.
        version: u32,
    },
    /// Another correction came after the version the values were made from.
    #[error(
        "the reading was corrected meanwhile: version {current} is current, not {base} (数据已被他人更正，请基于最新版本)"
    )]
    Stale {
        /// The version the values were made from.
        base: u32,
        /// The current version.
        current: u32,
    },
    /// A patch names a field readings do not have.
    #[error(
        "unknown reading field {field:?} (未知字段); expected one of Rtd, Min, Avg, Max, ZsRtd, ZsMin, ZsAvg, ZsMax, Cou, Flag, EFlag, SampleTime"
    )]
    UnknownField {
        /// The name given.
        field: String,
    },
    /// A patch gives a field a value of the wrong type.
    #[error("field {field} takes {expected}, not {found} (字段值类型错误)")]
    BadValue {
        /// The field.
        field: &'static str,
        /// What it takes.
        expected: &'static str,
        /// What was given.
        found: String,
    },
}

/// The HJ 212 names of the value fields, in [`ReadingValues`] order.
pub const VALUE_FIELDS: [&str; 12] = [
    "Rtd",
    "Min",
    "Avg",
    "Max",
    "ZsRtd",
    "ZsMin",
    "ZsAvg",
    "ZsMax",
    "Cou",
    "Flag",
    "EFlag",
    "SampleTime",
];

/// `current` with the fields of `patch` replaced: a field is named as in HJ 212
/// (`Avg`, `ZsAvg`, `EFlag`) or in snake case (`avg`, `zs_avg`, `eflag`); a
/// number sets a numeric field, a string a text field (`Flag`, `EFlag`,
/// `SampleTime`), and `null` removes the field.
pub fn patch_values(
    current: &ReadingValues,
    patch: &serde_json::Map<String, serde_json::Value>,
) -> std::result::Result<ReadingValues, CorrectionError> {
    let mut values = current.clone();
    for (name, value) in patch {
        let normalized = name.replace('_', "").to_ascii_lowercase();
        let Some(field) =
            VALUE_FIELDS.into_iter().find(|field| field.to_ascii_lowercase() == normalized)
        else {
            return Err(CorrectionError::UnknownField { field: name.clone() });
        };
        let number = || match value {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::Number(number) => {
                number.as_f64().filter(|n| n.is_finite()).map(Some).ok_or_else(|| {
                    CorrectionError::BadValue {
                        field,
                        expected: "a finite number or null",
                        found: value.to_string(),
                    }
                })
            }
            other => Err(CorrectionError::BadValue {
                field,
                expected: "a number or null",
                found: other.to_string(),
            }),
        };
        let text = || match value {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(text) => Ok(Some(text.clone())),
            other => Err(CorrectionError::BadValue {
                field,
                expected: "a string or null",
                found: other.to_string(),
            }),
        };
        match field {
            "Rtd" => values.rtd = number()?,
            "Min" => values.min = number()?,
            "Avg" => values.avg = number()?,
            "Max" => values.max = number()?,
            "ZsRtd" => values.zs_rtd = number()?,
            "ZsMin" => values.zs_min = number()?,
            "ZsAvg" => values.zs_avg = number()?,
            "ZsMax" => values.zs_max = number()?,
            "Cou" => values.cou = number()?,
            "Flag" => values.flag = text()?,
            "EFlag" => values.eflag = text()?,
            _ => values.sample_time = text()?,
        }
    }
    Ok(values)
}

/// Corrections of stored readings as versions. See the module docs.
pub trait CorrectionStore {
    /// Adds a correction as the reading's next version, with its audit entry
    /// (`reading_corrected`: before, after, reason) in the same transaction;
    /// returns the new version once it is durable.
    ///
    /// Refused with [`crate::Error::NotFound`] when no reading has the key, and
    /// with [`CorrectionError`] when the reason is blank, nothing changes, or
    /// the base version is no longer current.
    fn correct_reading(
        &self,
        correction: &NewCorrection,
        actor: &str,
        at: Instant,
    ) -> Result<ReadingVersion>;

    /// Every version of a reading, oldest first (version 1 is as received);
    /// empty when no reading has the key.
    fn reading_history(&self, key: &ReadingKey) -> Result<Vec<ReadingVersion>>;

    /// [`crate::Store::readings`] with each reading's correction marker.
    fn marked_readings(&self, query: &ReadingQuery) -> Result<Vec<MarkedReading>>;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(patch: serde_json::Value) -> std::result::Result<ReadingValues, CorrectionError> {
        let current = ReadingValues {
            avg: Some(75.0),
            max: Some(80.0),
            flag: Some("N".to_owned()),
            ..ReadingValues::default()
        };
        patch_values(&current, patch.as_object().unwrap())
    }

    #[test]
    fn patches_name_fields_as_hj212_or_snake_case_and_null_removes() {
        let patched =
            check(json!({ "Avg": 12.5, "zs_avg": 13.0, "max": null, "Flag": "M" })).unwrap();
        assert_eq!(patched.avg, Some(12.5));
        assert_eq!(patched.zs_avg, Some(13.0));
        assert_eq!(patched.max, None);
        assert_eq!(patched.flag.as_deref(), Some("M"));
        assert_eq!(
            check(json!({ "EFlag": "A1", "SampleTime": "20260302050000" }))
                .unwrap()
                .eflag
                .as_deref(),
            Some("A1")
        );
    }

    #[test]
    fn patches_refuse_unknown_fields_and_wrong_types() {
        assert_eq!(
            check(json!({ "Average": 1 })).unwrap_err(),
            CorrectionError::UnknownField { field: "Average".to_owned() }
        );
        let error = check(json!({ "Avg": "12" })).unwrap_err();
        assert!(matches!(error, CorrectionError::BadValue { field: "Avg", .. }), "{error:?}");
        let error = check(json!({ "Flag": 1 })).unwrap_err();
        assert!(matches!(error, CorrectionError::BadValue { field: "Flag", .. }), "{error:?}");
    }
}
