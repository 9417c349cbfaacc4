//! [`AlarmStore`] for [`SqliteStore`]: tables `alarm`, `alarm_event` and
//! `notification` (migration `0007_alarms.sql`).

use model::alarm::{AlarmAction, AlarmId, AlarmKey, AlarmState, Rule, Severity};
use model::{DataKind, Instant, PointId};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    collect, column, database_error, instant_column, json_column, json_text, limit_to_db, millis,
    optional_instant_column,
};
use crate::{
    Alarm, AlarmError, AlarmEvent, AlarmPass, AlarmQuery, AlarmStore, Attachment, AttachmentInfo,
    AuditEntry, Cleared, Delivery, Error, Finding, Notification, NotificationStatus, PassOutcome,
    Result, SqliteStore, TouchedPoint, TouchedPoints,
};

const ALARM_COLUMNS: &str = "id, point_id, rule, pollutant, state, severity, first_ms, last_ms,
    window_from_ms, window_to_ms, n_occurrences, evidence, still_holds, assignee, escalated_ms,
    acknowledged_by, acknowledged_ms, closed_by, closed_ms, close_note, attachment_name,
    attachment_type, length(attachment), attachment_sha256";

const NOTIFICATION_COLUMNS: &str = "id, alarm_id, channel, event, payload, created_ms, attempts,
    next_attempt_ms, status, last_error, delivered_ms";

impl AlarmStore for SqliteStore {
    fn record_alarm_pass(&self, pass: &AlarmPass<'_>) -> Result<PassOutcome> {
        self.write_audited("committing an alarm pass", |tx, audit| {
            let mut outcome = PassOutcome::default();
            for finding in pass.findings {
                record_finding(tx, audit, pass, finding, &mut outcome)?;
            }
            for cleared in pass.cleared {
                if clear(tx, audit, pass, cleared)? {
                    outcome.n_cleared += 1;
                }
            }
            if let Some((name, raw_id)) = pass.watermark {
                tx.prepare_cached(
                    "INSERT INTO watermark (name, raw_id) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET raw_id = excluded.raw_id",
                )
                .and_then(|mut statement| statement.execute(params![name, raw_id]))
                .map_err(database_error("advancing the alarm watermark"))?;
            }
            Ok(outcome)
        })
    }

    fn alarms(&self, query: &AlarmQuery) -> Result<Vec<Alarm>> {
        const DURING: &str = "querying alarms";
        let limit = if query.limit == 0 { 100 } else { query.limit };
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!(
                    "SELECT {ALARM_COLUMNS} FROM alarm
                     WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR point_id = ?2)
                       AND (?3 IS NULL OR rule = ?3)
                     ORDER BY id DESC LIMIT ?4"
                ))
                .map_err(database_error(DURING))?;
            let rows = statement
                .query(params![
                    query.state.map(AlarmState::as_str),
                    query.point.map(|point| point.0),
                    query.rule.map(Rule::as_str),
                    limit_to_db(limit)
                ])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, decode_alarm)
        })
    }

    fn alarm(&self, id: AlarmId) -> Result<Option<Alarm>> {
        self.read(|conn| load_alarm(conn, id))
    }

    fn alarm_history(&self, id: AlarmId) -> Result<Vec<AlarmEvent>> {
        const DURING: &str = "querying an alarm's history";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT at_ms, actor, event, window_ms, detail FROM alarm_event
                     WHERE alarm_id = ?1 ORDER BY id",
                )
                .map_err(database_error(DURING))?;
            let rows = statement.query(params![id.0]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| {
                Ok(AlarmEvent {
                    at: instant_column(row, 0, "alarm_event", "at_ms")?,
                    actor: column(row, 1, "alarm_event", "actor")?,
                    event: column(row, 2, "alarm_event", "event")?,
                    window_from: optional_instant_column(row, 3, "alarm_event", "window_ms")?,
                    detail: json_column(row, 4, "alarm_event", "detail")?,
                })
            })
        })
    }

    fn alarm_attachment(&self, id: AlarmId) -> Result<Option<Attachment>> {
        const DURING: &str = "reading an alarm attachment";
        self.read(|conn| {
            conn.query_row(
                "SELECT attachment_name, attachment_type, attachment FROM alarm
                 WHERE id = ?1 AND attachment IS NOT NULL",
                params![id.0],
                |row| {
                    Ok(Attachment {
                        name: row.get(0)?,
                        media_type: row.get(1)?,
                        bytes: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(database_error(DURING))
        })
    }

    fn acknowledge_alarm(&self, id: AlarmId, actor: &str, at: Instant) -> Result<Alarm> {
        self.write_audited("acknowledging an alarm", |tx, audit| {
            let before = transition(tx, id, AlarmAction::Acknowledge)?;
            tx.prepare_cached(
                "UPDATE alarm SET state = 'acknowledged', acknowledged_by = ?2, acknowledged_ms = ?3
                 WHERE id = ?1",
            )
            .and_then(|mut statement| statement.execute(params![id.0, actor, millis(at)]))
            .map_err(database_error("acknowledging an alarm"))?;
            finish_change(tx, audit, &before, actor, at, "acknowledged", json!({}))
        })
    }

    fn close_alarm(
        &self,
        id: AlarmId,
        actor: &str,
        at: Instant,
        note: &str,
        attachment: Option<&Attachment>,
    ) -> Result<Alarm> {
        let note = note.trim();
        self.write_audited("closing an alarm", |tx, audit| {
            let before = transition(tx, id, AlarmAction::Close)?;
            if note.is_empty() {
                return Err(AlarmError::NoteRequired.into());
            }
            let sha256 = attachment.map(|file| hex(&Sha256::digest(&file.bytes)));
            tx.prepare_cached(
                "UPDATE alarm SET state = 'closed', closed_by = ?2, closed_ms = ?3, close_note = ?4,
                     attachment_name = ?5, attachment_type = ?6, attachment = ?7, attachment_sha256 = ?8
                 WHERE id = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    id.0,
                    actor,
                    millis(at),
                    note,
                    attachment.map(|file| file.name.as_str()),
                    attachment.map(|file| file.media_type.as_str()),
                    attachment.map(|file| file.bytes.as_slice()),
                    sha256
                ])
            })
            .map_err(database_error("closing an alarm"))?;
            let detail = json!({ "note": note, "attachment_sha256": sha256 });
            finish_change(tx, audit, &before, actor, at, "closed", detail)
        })
    }

    fn assign_alarm(&self, id: AlarmId, actor: &str, at: Instant, assignee: &str) -> Result<Alarm> {
        let assignee = assignee.trim();
        self.write_audited("assigning an alarm", |tx, audit| {
            let before = transition(tx, id, AlarmAction::Assign)?;
            if assignee.is_empty() {
                return Err(AlarmError::AssigneeRequired.into());
            }
            tx.prepare_cached("UPDATE alarm SET assignee = ?2 WHERE id = ?1")
                .and_then(|mut statement| statement.execute(params![id.0, assignee]))
                .map_err(database_error("assigning an alarm"))?;
            finish_change(
                tx,
                audit,
                &before,
                actor,
                at,
                "assigned",
                json!({ "assignee": assignee }),
            )
        })
    }

    fn escalate_alarms(
        &self,
        opened_before: Instant,
        at: Instant,
        channels: &[String],
    ) -> Result<Vec<AlarmId>> {
        self.write_audited("escalating alarms", |tx, audit| {
            let ids: Vec<i64> = {
                let mut statement = tx
                    .prepare_cached(
                        "SELECT id FROM alarm WHERE state = 'open' AND escalated_ms IS NULL
                         AND first_ms < ?1 ORDER BY id",
                    )
                    .map_err(database_error("finding alarms to escalate"))?;
                let rows = statement
                    .query(params![millis(opened_before)])
                    .map_err(database_error("finding alarms to escalate"))?;
                collect(rows, "finding alarms to escalate", |row| column(row, 0, "alarm", "id"))?
            };
            let mut escalated = Vec::with_capacity(ids.len());
            for id in ids {
                let id = AlarmId(id);
                let before = require_alarm(tx, id)?;
                tx.prepare_cached("UPDATE alarm SET escalated_ms = ?2 WHERE id = ?1")
                    .and_then(|mut statement| statement.execute(params![id.0, millis(at)]))
                    .map_err(database_error("escalating an alarm"))?;
                let after = finish_change(
                    tx,
                    audit,
                    &before,
                    "system:alarms",
                    at,
                    "escalated",
                    json!({ "opened_before": opened_before }),
                )?;
                queue(tx, &after, "escalated", channels, at)?;
                escalated.push(id);
            }
            Ok(escalated)
        })
    }

    fn due_notifications(&self, now: Instant, limit: usize) -> Result<Vec<Notification>> {
        const DURING: &str = "querying due notifications";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM notification
                     WHERE status = 'pending' AND next_attempt_ms <= ?1
                     ORDER BY next_attempt_ms, id LIMIT ?2"
                ))
                .map_err(database_error(DURING))?;
            let rows = statement
                .query(params![millis(now), limit_to_db(limit)])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, decode_notification)
        })
    }

    fn next_notification_due(&self) -> Result<Option<Instant>> {
        const DURING: &str = "querying the next notification due";
        self.read(|conn| {
            let next: Option<i64> = conn
                .query_row(
                    "SELECT min(next_attempt_ms) FROM notification WHERE status = 'pending'",
                    [],
                    |row| row.get(0),
                )
                .map_err(database_error(DURING))?;
            Ok(next.and_then(Instant::from_unix_millis))
        })
    }

    fn record_deliveries(&self, at: Instant, deliveries: &[(i64, Delivery)]) -> Result<()> {
        self.write_audited("recording notification deliveries", |tx, audit| {
            for (id, delivery) in deliveries {
                record_delivery(tx, audit, *id, at, delivery)?;
            }
            Ok(())
        })
    }

    fn notifications(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<Notification>> {
        const DURING: &str = "querying notifications";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM notification
                     WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2"
                ))
                .map_err(database_error(DURING))?;
            let rows = statement
                .query(params![status.map(NotificationStatus::as_str), limit_to_db(limit)])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, decode_notification)
        })
    }

    fn touched_points(&self, after_raw_id: i64, max_packets: u64) -> Result<TouchedPoints> {
        const DURING: &str = "scanning packets after the alarm watermark";
        self.read(|conn| {
            let tx = conn.unchecked_transaction().map_err(database_error(DURING))?;
            let newest: Option<i64> = tx
                .query_row("SELECT max(id) FROM raw_packet", [], |row| row.get(0))
                .map_err(database_error(DURING))?;
            let bound = after_raw_id.saturating_add(i64::try_from(max_packets).unwrap_or(i64::MAX));
            let up_to_raw_id = newest.unwrap_or(0).min(bound).max(after_raw_id);
            let mut statement = tx
                .prepare_cached(
                    "SELECT d.point_id, max(r.received_ms), max(d.last_data_ms),
                            max(r.cn = 2011), max(r.cn = 2051), max(r.cn = 2061), max(r.cn = 2031)
                     FROM raw_packet r JOIN device d ON d.id = r.device_id
                     WHERE r.id > ?1 AND r.id <= ?2 AND r.verdict = 'accepted'
                     GROUP BY d.point_id ORDER BY d.point_id",
                )
                .map_err(database_error(DURING))?;
            let rows = statement
                .query(params![after_raw_id, up_to_raw_id])
                .map_err(database_error(DURING))?;
            let points = collect(rows, DURING, |row| {
                Ok(TouchedPoint {
                    point: PointId(column(row, 0, "device", "point_id")?),
                    last_received: instant_column(row, 1, "raw_packet", "received_ms")?,
                    last_data_time: optional_instant_column(row, 2, "device", "last_data_ms")?,
                    kinds: [DataKind::Realtime, DataKind::Minute, DataKind::Hour, DataKind::Day]
                        .into_iter()
                        .enumerate()
                        .filter(|&(index, _)| {
                            column::<Option<i64>>(row, 3 + index, "raw_packet", "cn")
                                .ok()
                                .flatten()
                                .is_some_and(|flag| flag != 0)
                        })
                        .map(|(_, kind)| kind)
                        .collect(),
                })
            })?;
            drop(statement);
            tx.finish().map_err(database_error(DURING))?;
            Ok(TouchedPoints { points, up_to_raw_id })
        })
    }
}

/// Records one delivery attempt's result and its audit entry.
fn record_delivery(
    tx: &Transaction<'_>,
    audit: &mut Vec<AuditEntry>,
    id: i64,
    at: Instant,
    delivery: &Delivery,
) -> Result<()> {
    let before = tx
        .query_row(
            &format!("SELECT {NOTIFICATION_COLUMNS} FROM notification WHERE id = ?1"),
            params![id],
            |row| Ok(decode_notification(row)),
        )
        .optional()
        .map_err(database_error("reading a notification"))?
        .transpose()?
        .ok_or_else(|| Error::NotFound { entity: "notification", id: id.to_string() })?;
    let (status, error, next_ms, delivered_ms) = match delivery {
        Delivery::Delivered => ("delivered", None, millis(at), Some(millis(at))),
        Delivery::Retry { error, next_attempt_at } => {
            ("pending", Some(error.as_str()), millis(*next_attempt_at), None)
        }
        Delivery::Dead { error } => ("dead", Some(error.as_str()), millis(at), None),
    };
    tx.prepare_cached(
        "UPDATE notification SET attempts = attempts + 1, status = ?2, last_error = ?3,
             next_attempt_ms = ?4, delivered_ms = ?5
         WHERE id = ?1",
    )
    .and_then(|mut statement| statement.execute(params![id, status, error, next_ms, delivered_ms]))
    .map_err(database_error("recording a notification delivery"))?;
    audit.push(AuditEntry {
        at,
        actor: "system:notifier".to_owned(),
        action: format!("notification_{status}"),
        subject: format!("notification:{id}"),
        detail: json!({
            "before": { "status": before.status, "attempts": before.attempts },
            "after": { "status": status, "attempts": before.attempts + 1, "error": error },
            "alarm": before.alarm,
            "channel": before.channel,
        }),
    });
    Ok(())
}

/// Records one finding: a new alarm, a new occurrence, a re-evaluation, or nothing.
fn record_finding(
    tx: &Transaction<'_>,
    audit: &mut Vec<AuditEntry>,
    pass: &AlarmPass<'_>,
    finding: &Finding,
    outcome: &mut PassOutcome,
) -> Result<()> {
    let key = &finding.key;
    let evidence = json_text(&finding.evidence, "encoding alarm evidence")?;
    let window_ms = millis(finding.window_from);
    let active = active_alarm(tx, key)?;
    let seen = window_seen(tx, key, window_ms)?;
    match (active, seen) {
        (None, Some(_)) => Ok(()),
        (None, None) => {
            tx.prepare_cached(
                "INSERT INTO alarm (point_id, rule, pollutant, state, severity, first_ms, last_ms,
                     window_from_ms, window_to_ms, n_occurrences, evidence, still_holds, assignee)
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?5, ?6, ?7, 1, ?8, 1, ?9)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    key.point.0,
                    key.rule.as_str(),
                    key.pollutant,
                    finding.severity.as_str(),
                    millis(pass.at),
                    window_ms,
                    millis(finding.window_to),
                    evidence,
                    finding.assignee
                ])
            })
            .map_err(database_error("opening an alarm"))?;
            let id = AlarmId(tx.last_insert_rowid());
            insert_event(
                tx,
                id,
                pass.at,
                pass.actor,
                "opened",
                Some(window_ms),
                &finding.evidence,
            )?;
            let after = require_alarm(tx, id)?;
            audit.push(alarm_audit(pass.at, pass.actor, "alarm_opened", None, &after));
            queue(tx, &after, "opened", pass.channels, pass.at)?;
            outcome.opened.push(id);
            Ok(())
        }
        (Some(before), seen) => {
            let is_latest = window_ms >= millis(before.window_from);
            let new_occurrence = seen.is_none();
            if !new_occurrence {
                // Re-evaluation of a known window: refresh only the latest one, and only if it changed.
                let unchanged = !is_latest
                    || (window_ms == millis(before.window_from)
                        && before.still_holds
                        && before.evidence == finding.evidence
                        && before.severity >= finding.severity);
                if unchanged {
                    return Ok(());
                }
            }
            let severity = before.severity.max(finding.severity);
            tx.prepare_cached(
                "UPDATE alarm SET severity = ?2, last_ms = ?3, n_occurrences = n_occurrences + ?4,
                     window_from_ms = CASE WHEN ?5 THEN ?6 ELSE window_from_ms END,
                     window_to_ms = CASE WHEN ?5 THEN ?7 ELSE window_to_ms END,
                     evidence = CASE WHEN ?5 THEN ?8 ELSE evidence END,
                     still_holds = CASE WHEN ?5 THEN 1 ELSE still_holds END
                 WHERE id = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    before.id.0,
                    severity.as_str(),
                    millis(pass.at),
                    i64::from(new_occurrence),
                    is_latest,
                    window_ms,
                    millis(finding.window_to),
                    evidence
                ])
            })
            .map_err(database_error("updating an alarm occurrence"))?;
            let event = if new_occurrence { "occurred" } else { "re_evaluated" };
            insert_event(
                tx,
                before.id,
                pass.at,
                pass.actor,
                event,
                Some(window_ms),
                &finding.evidence,
            )?;
            // The history row holds the evidence; the audit entry records what changed.
            let summary = |alarm: &Alarm| {
                json!({
                    "n_occurrences": alarm.n_occurrences,
                    "severity": alarm.severity,
                    "window_from": alarm.window_from,
                    "still_holds": alarm.still_holds,
                })
            };
            let n_after = before.n_occurrences + u32::from(new_occurrence);
            let after = json!({
                "n_occurrences": n_after,
                "severity": severity,
                "window_from": if is_latest { finding.window_from } else { before.window_from },
                "still_holds": is_latest || before.still_holds,
            });
            audit.push(AuditEntry {
                at: pass.at,
                actor: pass.actor.to_owned(),
                action: format!("alarm_{event}"),
                subject: format!("alarm:{}", before.id),
                detail: json!({ "before": summary(&before), "after": after }),
            });
            if new_occurrence {
                outcome.n_repeated += 1;
            } else {
                outcome.n_reevaluated += 1;
            }
            Ok(())
        }
    }
}

/// Marks the active alarm of a cleared scope as no longer holding; returns whether it changed.
fn clear(
    tx: &Transaction<'_>,
    audit: &mut Vec<AuditEntry>,
    pass: &AlarmPass<'_>,
    cleared: &Cleared,
) -> Result<bool> {
    let Some(before) = active_alarm(tx, &cleared.key)? else { return Ok(false) };
    let outside = cleared
        .within
        .is_some_and(|(from, to)| before.window_from < from || before.window_from >= to);
    if !before.still_holds || outside {
        return Ok(false);
    }
    tx.prepare_cached("UPDATE alarm SET still_holds = 0, last_ms = ?2 WHERE id = ?1")
        .and_then(|mut statement| statement.execute(params![before.id.0, millis(pass.at)]))
        .map_err(database_error("marking an alarm as no longer holding"))?;
    let detail = json!({ "window_from": before.window_from });
    insert_event(tx, before.id, pass.at, pass.actor, "no_longer_holds", None, &detail)?;
    let after = require_alarm(tx, before.id)?;
    audit.push(alarm_audit(pass.at, pass.actor, "alarm_no_longer_holds", Some(&before), &after));
    Ok(true)
}

/// Checks that `action` is allowed on alarm `id`; returns the alarm as it was.
fn transition(tx: &Transaction<'_>, id: AlarmId, action: AlarmAction) -> Result<Alarm> {
    let before = require_alarm(tx, id)?;
    before.state.apply(action).map_err(AlarmError::from)?;
    Ok(before)
}

/// Records the event and the audit entry of a person's change; returns the alarm after it.
fn finish_change(
    tx: &Transaction<'_>,
    audit: &mut Vec<AuditEntry>,
    before: &Alarm,
    actor: &str,
    at: Instant,
    event: &str,
    detail: Value,
) -> Result<Alarm> {
    insert_event(tx, before.id, at, actor, event, None, &detail)?;
    let after = require_alarm(tx, before.id)?;
    audit.push(alarm_audit(at, actor, &format!("alarm_{event}"), Some(before), &after));
    Ok(after)
}

fn alarm_audit(
    at: Instant,
    actor: &str,
    action: &str,
    before: Option<&Alarm>,
    after: &Alarm,
) -> AuditEntry {
    AuditEntry {
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: format!("alarm:{}", after.id),
        detail: json!({ "before": before, "after": after }),
    }
}

/// Queues one notification per channel announcing `event` of `alarm`.
fn queue(
    tx: &Transaction<'_>,
    alarm: &Alarm,
    event: &str,
    channels: &[String],
    at: Instant,
) -> Result<()> {
    if channels.is_empty() {
        return Ok(());
    }
    let payload = json_text(alarm, "encoding a notification payload")?;
    let mut statement = tx
        .prepare_cached(
            "INSERT INTO notification (alarm_id, channel, event, payload, created_ms, attempts,
                 next_attempt_ms, status)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?5, 'pending')",
        )
        .map_err(database_error("queueing a notification"))?;
    for channel in channels {
        statement
            .execute(params![alarm.id.0, channel, event, payload, millis(at)])
            .map_err(database_error("queueing a notification"))?;
    }
    Ok(())
}

fn insert_event(
    tx: &Transaction<'_>,
    id: AlarmId,
    at: Instant,
    actor: &str,
    event: &str,
    window_ms: Option<i64>,
    detail: &Value,
) -> Result<()> {
    let detail = json_text(detail, "encoding an alarm event")?;
    tx.prepare_cached(
        "INSERT INTO alarm_event (alarm_id, at_ms, actor, event, window_ms, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut statement| {
        statement.execute(params![id.0, millis(at), actor, event, window_ms, detail])
    })
    .map_err(database_error("recording an alarm event"))?;
    Ok(())
}

fn active_alarm(tx: &Transaction<'_>, key: &AlarmKey) -> Result<Option<Alarm>> {
    tx.query_row(
        &format!(
            "SELECT {ALARM_COLUMNS} FROM alarm WHERE point_id = ?1 AND rule = ?2 AND pollutant = ?3
             AND state IN ('open', 'acknowledged')"
        ),
        params![key.point.0, key.rule.as_str(), key.pollutant],
        |row| Ok(decode_alarm(row)),
    )
    .optional()
    .map_err(database_error("finding the active alarm"))?
    .transpose()
}

/// The alarm (of any state) that already recorded this window for `key`, if any.
fn window_seen(tx: &Transaction<'_>, key: &AlarmKey, window_ms: i64) -> Result<Option<i64>> {
    tx.prepare_cached(
        "SELECT a.id FROM alarm a JOIN alarm_event e ON e.alarm_id = a.id
         WHERE a.point_id = ?1 AND a.rule = ?2 AND a.pollutant = ?3 AND e.window_ms = ?4 LIMIT 1",
    )
    .and_then(|mut statement| {
        statement
            .query_row(params![key.point.0, key.rule.as_str(), key.pollutant, window_ms], |row| {
                row.get(0)
            })
            .optional()
    })
    .map_err(database_error("checking an alarm window"))
}

fn load_alarm(conn: &rusqlite::Connection, id: AlarmId) -> Result<Option<Alarm>> {
    conn.query_row(
        &format!("SELECT {ALARM_COLUMNS} FROM alarm WHERE id = ?1"),
        params![id.0],
        |row| Ok(decode_alarm(row)),
    )
    .optional()
    .map_err(database_error("reading an alarm"))?
    .transpose()
}

fn require_alarm(tx: &Transaction<'_>, id: AlarmId) -> Result<Alarm> {
    load_alarm(tx, id)?.ok_or_else(|| Error::NotFound { entity: "alarm", id: id.to_string() })
}

fn corrupt(column: &'static str, found: String) -> Error {
    Error::Corrupt { table: "alarm", column, detail: format!("unknown value {found:?}") }
}

fn decode_alarm(row: &Row<'_>) -> Result<Alarm> {
    const T: &str = "alarm";
    let rule: String = column(row, 2, T, "rule")?;
    let state: String = column(row, 4, T, "state")?;
    let severity: String = column(row, 5, T, "severity")?;
    let n_occurrences: i64 = column(row, 10, T, "n_occurrences")?;
    let attachment_name: Option<String> = column(row, 20, T, "attachment_name")?;
    let attachment = match attachment_name {
        Some(name) => Some(AttachmentInfo {
            name,
            media_type: column::<Option<String>>(row, 21, T, "attachment_type")?
                .unwrap_or_default(),
            n_bytes: usize::try_from(column::<Option<i64>>(row, 22, T, "attachment")?.unwrap_or(0))
                .unwrap_or(0),
            sha256: column::<Option<String>>(row, 23, T, "attachment_sha256")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Alarm {
        id: AlarmId(column(row, 0, T, "id")?),
        key: AlarmKey {
            point: PointId(column(row, 1, T, "point_id")?),
            rule: Rule::parse(&rule).ok_or_else(|| corrupt("rule", rule.clone()))?,
            pollutant: column(row, 3, T, "pollutant")?,
        },
        state: AlarmState::parse(&state).ok_or_else(|| corrupt("state", state.clone()))?,
        severity: Severity::parse(&severity)
            .ok_or_else(|| corrupt("severity", severity.clone()))?,
        first_at: instant_column(row, 6, T, "first_ms")?,
        last_at: instant_column(row, 7, T, "last_ms")?,
        window_from: instant_column(row, 8, T, "window_from_ms")?,
        window_to: instant_column(row, 9, T, "window_to_ms")?,
        n_occurrences: u32::try_from(n_occurrences).unwrap_or(u32::MAX),
        evidence: json_column(row, 11, T, "evidence")?,
        still_holds: column::<i64>(row, 12, T, "still_holds")? != 0,
        assignee: column(row, 13, T, "assignee")?,
        escalated_at: optional_instant_column(row, 14, T, "escalated_ms")?,
        acknowledged_by: column(row, 15, T, "acknowledged_by")?,
        acknowledged_at: optional_instant_column(row, 16, T, "acknowledged_ms")?,
        closed_by: column(row, 17, T, "closed_by")?,
        closed_at: optional_instant_column(row, 18, T, "closed_ms")?,
        close_note: column(row, 19, T, "close_note")?,
        attachment,
    })
}

fn decode_notification(row: &Row<'_>) -> Result<Notification> {
    const T: &str = "notification";
    let status: String = column(row, 8, T, "status")?;
    let attempts: i64 = column(row, 6, T, "attempts")?;
    Ok(Notification {
        id: column(row, 0, T, "id")?,
        alarm: AlarmId(column(row, 1, T, "alarm_id")?),
        channel: column(row, 2, T, "channel")?,
        event: column(row, 3, T, "event")?,
        payload: json_column(row, 4, T, "payload")?,
        created_at: instant_column(row, 5, T, "created_ms")?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: instant_column(row, 7, T, "next_attempt_ms")?,
        status: NotificationStatus::parse(&status).ok_or_else(|| Error::Corrupt {
            table: T,
            column: "status",
            detail: format!("unknown value {status:?}"),
        })?,
        last_error: column(row, 9, T, "last_error")?,
        delivered_at: optional_instant_column(row, 10, T, "delivered_ms")?,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
