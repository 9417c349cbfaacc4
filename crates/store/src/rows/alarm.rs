//! Decoding `alarm`, `alarm_event` and `notification` rows (the same columns on both backends).

use model::PointId;
use model::alarm::{AlarmId, AlarmKey, AlarmState, Rule, Severity};

use super::StoredRow;
use crate::{Alarm, AlarmEvent, AttachmentInfo, Error, Notification, NotificationStatus, Result};

/// The alarm columns [`decode_alarm`] reads (the attachment by its length only).
pub(crate) const ALARM_COLUMNS: &str =
    "id, point_id, rule, pollutant, state, severity, first_ms, last_ms,
    window_from_ms, window_to_ms, n_occurrences, evidence, still_holds, assignee, escalated_ms,
    acknowledged_by, acknowledged_ms, closed_by, closed_ms, close_note, attachment_name,
    attachment_type, length(attachment), attachment_sha256, escalation_level";

/// [`ALARM_COLUMNS`] with the evidence read as JSON `null`, for lists that
/// do not show it ([`crate::AlarmStore::alarm_list`]): decoding every
/// alarm's evidence was most of the alarm inbox's time.
pub(crate) const ALARM_LIST_COLUMNS: &str =
    "id, point_id, rule, pollutant, state, severity, first_ms, last_ms,
    window_from_ms, window_to_ms, n_occurrences, CAST('null' AS TEXT), still_holds, assignee,
    escalated_ms, acknowledged_by, acknowledged_ms, closed_by, closed_ms, close_note,
    attachment_name, attachment_type, length(attachment), attachment_sha256, escalation_level";

/// The notification columns [`decode_notification`] reads.
pub(crate) const NOTIFICATION_COLUMNS: &str =
    "id, alarm_id, channel, event, payload, created_ms, attempts,
    next_attempt_ms, status, last_error, delivered_ms";

/// The alarm event columns [`decode_alarm_event`] reads.
pub(crate) const ALARM_EVENT_COLUMNS: &str = "at_ms, actor, event, window_ms, detail";

fn unknown(table: &'static str, column: &'static str, found: &str) -> Error {
    Error::Corrupt { table, column, detail: format!("unknown value {found:?}") }
}

/// Decodes [`ALARM_COLUMNS`].
pub(crate) fn decode_alarm(row: &impl StoredRow) -> Result<Alarm> {
    const T: &str = "alarm";
    let rule = row.required_text(2, T, "rule")?;
    let state = row.required_text(4, T, "state")?;
    let severity = row.required_text(5, T, "severity")?;
    let attachment = match row.text(20, T, "attachment_name")? {
        Some(name) => Some(AttachmentInfo {
            name,
            media_type: row.text(21, T, "attachment_type")?.unwrap_or_default(),
            n_bytes: usize::try_from(row.int(22, T, "attachment")?.unwrap_or(0)).unwrap_or(0),
            sha256: row.text(23, T, "attachment_sha256")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Alarm {
        id: AlarmId(row.required_int(0, T, "id")?),
        key: AlarmKey {
            point: PointId(row.required_int(1, T, "point_id")?),
            rule: Rule::parse(&rule).ok_or_else(|| unknown(T, "rule", &rule))?,
            pollutant: row.required_text(3, T, "pollutant")?,
        },
        state: AlarmState::parse(&state).ok_or_else(|| unknown(T, "state", &state))?,
        severity: Severity::parse(&severity).ok_or_else(|| unknown(T, "severity", &severity))?,
        first_at: row.instant(6, T, "first_ms")?,
        last_at: row.instant(7, T, "last_ms")?,
        window_from: row.instant(8, T, "window_from_ms")?,
        window_to: row.instant(9, T, "window_to_ms")?,
        n_occurrences: row.required_u32(10, T, "n_occurrences")?,
        evidence: row.json(11, T, "evidence")?,
        still_holds: row.boolean(12, T, "still_holds")?,
        assignee: row.text(13, T, "assignee")?,
        escalated_at: row.optional_instant(14, T, "escalated_ms")?,
        escalation_level: u32::try_from(row.required_int(24, T, "escalation_level")?).unwrap_or(0),
        acknowledged_by: row.text(15, T, "acknowledged_by")?,
        acknowledged_at: row.optional_instant(16, T, "acknowledged_ms")?,
        closed_by: row.text(17, T, "closed_by")?,
        closed_at: row.optional_instant(18, T, "closed_ms")?,
        close_note: row.text(19, T, "close_note")?,
        attachment,
    })
}

/// Decodes [`ALARM_EVENT_COLUMNS`].
pub(crate) fn decode_alarm_event(row: &impl StoredRow) -> Result<AlarmEvent> {
    const T: &str = "alarm_event";
    Ok(AlarmEvent {
        at: row.instant(0, T, "at_ms")?,
        actor: row.required_text(1, T, "actor")?,
        event: row.required_text(2, T, "event")?,
        window_from: row.optional_instant(3, T, "window_ms")?,
        detail: row.json(4, T, "detail")?,
    })
}

/// Decodes [`NOTIFICATION_COLUMNS`].
pub(crate) fn decode_notification(row: &impl StoredRow) -> Result<Notification> {
    const T: &str = "notification";
    let status = row.required_text(8, T, "status")?;
    Ok(Notification {
        id: row.required_int(0, T, "id")?,
        alarm: AlarmId(row.required_int(1, T, "alarm_id")?),
        channel: row.required_text(2, T, "channel")?,
        event: row.required_text(3, T, "event")?,
        payload: row.json(4, T, "payload")?,
        created_at: row.instant(5, T, "created_ms")?,
        attempts: row.required_u32(6, T, "attempts")?,
        next_attempt_at: row.instant(7, T, "next_attempt_ms")?,
        status: NotificationStatus::parse(&status).ok_or_else(|| unknown(T, "status", &status))?,
        last_error: row.text(9, T, "last_error")?,
        delivered_at: row.optional_instant(10, T, "delivered_ms")?,
    })
}
