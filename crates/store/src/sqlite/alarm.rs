//! [`AlarmStore`] for [`SqliteStore`]: tables `alarm`, `alarm_event` and
//! `notification` (migration `0007_alarms.sql`).

use model::alarm::{AlarmAction, AlarmId, AlarmKey};
use model::{DataKind, Instant, PointId};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    collect, column, database_error, instant_column, json_text, limit_to_db, millis,
    optional_instant_column,
};
use crate::alarm_page::page_limit;
use crate::alarm_sync::{
    Occurrence, alarm_audit, clear_applies, delivery_update, finding_audit, hex,
};
use crate::rows::{
    ALARM_COLUMNS, ALARM_EVENT_COLUMNS, ALARM_LIST_COLUMNS, NOTIFICATION_COLUMNS, decode_alarm,
    decode_alarm_event, decode_notification,
};
use crate::{
    Alarm, AlarmError, AlarmEvent, AlarmPass, AlarmQuery, AlarmStore, Attachment, AuditEntry,
    Cleared, Delivery, Error, Finding, Notification, NotificationStatus, PassOutcome, Result,
    SqliteStore, TouchedPoint, TouchedPoints,
};

impl SqliteStore {
    /// The alarms matching `query` as `columns` ([`ALARM_COLUMNS`] or
    /// [`ALARM_LIST_COLUMNS`]), newest first by id; with a state, through
    /// `alarm_by_state` ([`alarm_filter`]).
    fn query_alarms(
        &self,
        query: &AlarmQuery,
        columns: &str,
        during: &'static str,
    ) -> Result<Vec<Alarm>> {
        let limit = page_limit(query.limit);
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!(
                    "SELECT {columns} FROM alarm WHERE {} ORDER BY id DESC LIMIT ?6",
                    alarm_filter(query)
                ))
                .map_err(database_error(during))?;
            let [state, point, rule, points, assignees] = alarm_filter_params(query);
            let rows = statement
                .query(params![state, point, rule, points, assignees, limit_to_db(limit)])
                .map_err(database_error(during))?;
            collect(rows, during, |row| decode_alarm(row))
        })
    }
}

/// The WHERE clause of an [`AlarmQuery`]'s filters, parameters `?1` to `?5`
/// ([`alarm_filter_params`]). `state = ?1` (not `?1 IS NULL OR …`) when a
/// state is given, so the planner walks a state index instead of every alarm
/// ever raised.
pub(super) fn alarm_filter(query: &AlarmQuery) -> String {
    let state_filter = if query.state.is_some() { "state = ?1" } else { "?1 IS NULL" };
    format!(
        "{state_filter} AND (?2 IS NULL OR point_id = ?2)
           AND (?3 IS NULL OR rule = ?3)
           AND (?4 IS NULL OR point_id IN (SELECT value FROM json_each(?4)))
           AND (?5 IS NULL OR coalesce(trim(assignee), '') = ''
                OR trim(assignee) IN (SELECT value FROM json_each(?5)))"
    )
}

/// The parameters `?1` to `?5` of [`alarm_filter`]: state, point, rule, and
/// the points and assignees as JSON arrays.
pub(super) fn alarm_filter_params(query: &AlarmQuery) -> [rusqlite::types::Value; 5] {
    use rusqlite::types::Value;
    let text = |text: Option<String>| text.map_or(Value::Null, Value::Text);
    let points = query.points.as_ref().map(|points| {
        serde_json::Value::from(points.iter().map(|point| point.0).collect::<Vec<_>>()).to_string()
    });
    let assignees =
        query.assignees.as_ref().map(|names| serde_json::Value::from(names.clone()).to_string());
    [
        text(query.state.map(|state| state.as_str().to_owned())),
        query.point.map_or(Value::Null, |point| Value::Integer(point.0)),
        text(query.rule.map(|rule| rule.as_str().to_owned())),
        text(points),
        text(assignees),
    ]
}

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
        self.query_alarms(query, ALARM_COLUMNS, "querying alarms")
    }

    fn alarm_list(&self, query: &AlarmQuery) -> Result<Vec<Alarm>> {
        self.query_alarms(query, ALARM_LIST_COLUMNS, "listing alarms")
    }

    fn alarm(&self, id: AlarmId) -> Result<Option<Alarm>> {
        self.read(|conn| load_alarm(conn, id))
    }

    fn alarm_history(&self, id: AlarmId) -> Result<Vec<AlarmEvent>> {
        const DURING: &str = "querying an alarm's history";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!(
                    "SELECT {ALARM_EVENT_COLUMNS} FROM alarm_event WHERE alarm_id = ?1 ORDER BY id"
                ))
                .map_err(database_error(DURING))?;
            let rows = statement.query(params![id.0]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_alarm_event(row))
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
                tx.prepare_cached(
                    "UPDATE alarm SET escalated_ms = ?2, escalation_level = max(escalation_level, 1)
                     WHERE id = ?1",
                )
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
            collect(rows, DURING, |row| decode_notification(row))
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
            collect(rows, DURING, |row| decode_notification(row))
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
    let update = delivery_update(&before, at, delivery);
    tx.prepare_cached(
        "UPDATE notification SET attempts = attempts + 1, status = ?2, last_error = ?3,
             next_attempt_ms = ?4, delivered_ms = ?5
         WHERE id = ?1",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            id,
            update.status,
            update.error,
            update.next_ms,
            update.delivered_ms
        ])
    })
    .map_err(database_error("recording a notification delivery"))?;
    audit.push(update.audit);
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
            if let Some(assignee) = &finding.assignee {
                // Assigned by the system (the grid's primary inspector), in the history like a person's assignment.
                let detail = json!({ "assignee": assignee, "automatic": true });
                insert_event(tx, id, pass.at, pass.actor, "assigned", None, &detail)?;
            }
            let after = require_alarm(tx, id)?;
            audit.push(alarm_audit(pass.at, pass.actor, "alarm_opened", None, &after));
            queue(tx, &after, "opened", pass.channels, pass.at)?;
            outcome.opened.push(id);
            Ok(())
        }
        (Some(before), seen) => {
            let Some(occurrence) = Occurrence::of(&before, finding, seen.is_none()) else {
                return Ok(());
            };
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
                    occurrence.severity.as_str(),
                    millis(pass.at),
                    i64::from(occurrence.new_occurrence),
                    occurrence.is_latest,
                    window_ms,
                    millis(finding.window_to),
                    evidence
                ])
            })
            .map_err(database_error("updating an alarm occurrence"))?;
            insert_event(
                tx,
                before.id,
                pass.at,
                pass.actor,
                occurrence.event(),
                Some(window_ms),
                &finding.evidence,
            )?;
            audit.push(finding_audit(pass, &before, finding, &occurrence));
            occurrence.count(outcome);
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
    if !clear_applies(cleared, &before) {
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

/// Queues one notification per channel announcing `event` of `alarm`.
pub(super) fn queue(
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

pub(super) fn insert_event(
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

pub(super) fn require_alarm(tx: &Transaction<'_>, id: AlarmId) -> Result<Alarm> {
    load_alarm(tx, id)?.ok_or_else(|| Error::NotFound { entity: "alarm", id: id.to_string() })
}
