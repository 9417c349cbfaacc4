//! [`AlarmStore`] for [`PgStore`]: tables `alarm`, `alarm_event` and
//! `notification` (migration 0002). Every change goes through `write_audited`;
//! an alarm being changed is locked (`FOR UPDATE`) for the transaction, and the
//! partial unique index `alarm_one_active` keeps one active alarm per key even
//! with several workers.

use ::postgres::{GenericClient, Transaction};
use model::alarm::{AlarmAction, AlarmId, AlarmKey, AlarmState, Rule};
use model::{DataKind, Instant, PointId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{database_error, select, select_opt, snapshot};
use crate::alarm_page::page_limit;
use crate::alarm_sync::{
    Occurrence, alarm_audit, clear_applies, delivery_update, finding_audit, hex,
};
use crate::encoding::{json_text, limit_to_db, millis};
use crate::rows::{
    ALARM_COLUMNS, ALARM_EVENT_COLUMNS, ALARM_LIST_COLUMNS, NOTIFICATION_COLUMNS, StoredRow,
    decode_alarm, decode_alarm_event, decode_notification,
};
use crate::{
    Alarm, AlarmError, AlarmEvent, AlarmPass, AlarmQuery, AlarmStore, Attachment, AuditEntry,
    Cleared, Delivery, Error, Finding, Notification, NotificationStatus, PassOutcome, PgStore,
    Result, TouchedPoint, TouchedPoints,
};

impl PgStore {
    /// The alarms matching `query` as `columns` ([`ALARM_COLUMNS`] or
    /// [`ALARM_LIST_COLUMNS`]), newest first by id ([`alarm_filter`]).
    fn query_alarms(
        &self,
        query: &AlarmQuery,
        columns: &str,
        during: &'static str,
    ) -> Result<Vec<Alarm>> {
        let limit = page_limit(query.limit);
        let sql = format!(
            "SELECT {columns} FROM alarm WHERE {} ORDER BY id DESC LIMIT $6",
            alarm_filter(query)
        );
        let filter = AlarmFilterParams::of(query);
        let limit = limit_to_db(limit);
        self.read(|client| {
            let [state, point, rule, points, assignees] = filter.params();
            select(
                client,
                during,
                &sql,
                &[state, point, rule, points, assignees, &limit],
                decode_alarm,
            )
        })
    }
}

/// The WHERE clause of an [`AlarmQuery`]'s filters, parameters `$1` to `$5`
/// ([`AlarmFilterParams`]); `state = $1` when a state is given, so the state
/// indexes are used.
pub(super) fn alarm_filter(query: &AlarmQuery) -> String {
    let state_filter = if query.state.is_some() { "state = $1" } else { "$1::text IS NULL" };
    format!(
        "{state_filter} AND ($2::bigint IS NULL OR point_id = $2)
           AND ($3::text IS NULL OR rule = $3)
           AND ($4::bigint[] IS NULL OR point_id = ANY($4))
           AND ($5::text[] IS NULL OR coalesce(btrim(assignee), '') = ''
                OR btrim(assignee) = ANY($5))"
    )
}

/// The parameters `$1` to `$5` of [`alarm_filter`].
pub(super) struct AlarmFilterParams {
    state: Option<&'static str>,
    point: Option<i64>,
    rule: Option<&'static str>,
    points: Option<Vec<i64>>,
    assignees: Option<Vec<String>>,
}

impl AlarmFilterParams {
    pub(super) fn of(query: &AlarmQuery) -> AlarmFilterParams {
        AlarmFilterParams {
            state: query.state.map(AlarmState::as_str),
            point: query.point.map(|point| point.0),
            rule: query.rule.map(Rule::as_str),
            points: query.points.as_ref().map(|points| points.iter().map(|p| p.0).collect()),
            assignees: query.assignees.clone(),
        }
    }

    /// State, point, rule, points and assignees, in parameter order.
    pub(super) fn params(&self) -> [&(dyn ::postgres::types::ToSql + Sync); 5] {
        [&self.state, &self.point, &self.rule, &self.points, &self.assignees]
    }
}

impl AlarmStore for PgStore {
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
                tx.execute(
                    "INSERT INTO watermark (name, raw_id) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET raw_id = excluded.raw_id",
                    &[&name, &raw_id],
                )
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
        self.read(|client| load_alarm(client, id, ""))
    }

    fn alarm_history(&self, id: AlarmId) -> Result<Vec<AlarmEvent>> {
        let sql = format!(
            "SELECT {ALARM_EVENT_COLUMNS} FROM alarm_event WHERE alarm_id = $1 ORDER BY id"
        );
        self.read(|client| {
            select(client, "querying an alarm's history", &sql, &[&id.0], decode_alarm_event)
        })
    }

    fn alarm_attachment(&self, id: AlarmId) -> Result<Option<Attachment>> {
        const T: &str = "alarm";
        self.read(|client| {
            select_opt(
                client,
                "reading an alarm attachment",
                "SELECT attachment_name, attachment_type, attachment FROM alarm
                 WHERE id = $1 AND attachment IS NOT NULL",
                &[&id.0],
                |row| {
                    Ok(Attachment {
                        name: row.required_text(0, T, "attachment_name")?,
                        media_type: row.required_text(1, T, "attachment_type")?,
                        bytes: row.bytes(2, T, "attachment")?.unwrap_or_default(),
                    })
                },
            )
        })
    }

    fn acknowledge_alarm(&self, id: AlarmId, actor: &str, at: Instant) -> Result<Alarm> {
        self.write_audited("acknowledging an alarm", |tx, audit| {
            let before = transition(tx, id, AlarmAction::Acknowledge)?;
            tx.execute(
                "UPDATE alarm SET state = 'acknowledged', acknowledged_by = $2, acknowledged_ms = $3
                 WHERE id = $1",
                &[&id.0, &actor, &millis(at)],
            )
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
            tx.execute(
                "UPDATE alarm SET state = 'closed', closed_by = $2, closed_ms = $3, close_note = $4,
                     attachment_name = $5, attachment_type = $6, attachment = $7, attachment_sha256 = $8
                 WHERE id = $1",
                &[
                    &id.0,
                    &actor,
                    &millis(at),
                    &note,
                    &attachment.map(|file| file.name.as_str()),
                    &attachment.map(|file| file.media_type.as_str()),
                    &attachment.map(|file| file.bytes.as_slice()),
                    &sha256,
                ],
            )
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
            tx.execute("UPDATE alarm SET assignee = $2 WHERE id = $1", &[&id.0, &assignee])
                .map_err(database_error("assigning an alarm"))?;
            let detail = json!({ "assignee": assignee });
            finish_change(tx, audit, &before, actor, at, "assigned", detail)
        })
    }

    fn escalate_alarms(
        &self,
        opened_before: Instant,
        at: Instant,
        channels: &[String],
    ) -> Result<Vec<AlarmId>> {
        self.write_audited("escalating alarms", |tx, audit| {
            // SKIP LOCKED: alarms another worker is changing now are escalated next time.
            let ids = select(
                tx,
                "finding alarms to escalate",
                "SELECT id FROM alarm WHERE state = 'open' AND escalated_ms IS NULL
                 AND first_ms < $1 ORDER BY id FOR UPDATE SKIP LOCKED",
                &[&millis(opened_before)],
                |row| row.required_int(0, "alarm", "id"),
            )?;
            let mut escalated = Vec::with_capacity(ids.len());
            for id in ids {
                let id = AlarmId(id);
                let before = require_alarm(tx, id)?;
                tx.execute(
                    "UPDATE alarm SET escalated_ms = $2, escalation_level = GREATEST(escalation_level, 1)
                     WHERE id = $1",
                    &[&id.0, &millis(at)],
                )
                .map_err(database_error("escalating an alarm"))?;
                let detail = json!({ "opened_before": opened_before });
                let after =
                    finish_change(tx, audit, &before, "system:alarms", at, "escalated", detail)?;
                queue(tx, &after, "escalated", channels, at)?;
                escalated.push(id);
            }
            Ok(escalated)
        })
    }

    fn due_notifications(&self, now: Instant, limit: usize) -> Result<Vec<Notification>> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notification
             WHERE status = 'pending' AND next_attempt_ms <= $1
             ORDER BY next_attempt_ms, id LIMIT $2"
        );
        let (now, limit) = (millis(now), limit_to_db(limit));
        self.read(|client| {
            select(client, "querying due notifications", &sql, &[&now, &limit], decode_notification)
        })
    }

    fn next_notification_due(&self) -> Result<Option<Instant>> {
        self.read(|client| {
            let next = select_opt(
                client,
                "querying the next notification due",
                "SELECT min(next_attempt_ms) FROM notification WHERE status = 'pending'",
                &[],
                |row| row.int(0, "notification", "next_attempt_ms"),
            )?;
            Ok(next.flatten().and_then(Instant::from_unix_millis))
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
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notification
             WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2"
        );
        let status = status.map(NotificationStatus::as_str);
        let limit = limit_to_db(limit);
        self.read(|client| {
            select(client, "querying notifications", &sql, &[&status, &limit], decode_notification)
        })
    }

    fn touched_points(&self, after_raw_id: i64, max_packets: u64) -> Result<TouchedPoints> {
        const DURING: &str = "scanning packets after the alarm watermark";
        self.read(|client| {
            // One snapshot: ids are committed in increasing order (the chain head
            // lock), so none at or below the newest can appear later.
            let mut tx = snapshot(client, DURING)?;
            let newest = select_opt(
                &mut tx,
                DURING,
                "SELECT last_id FROM chain_head WHERE name = 'raw_packet'",
                &[],
                |row| row.required_int(0, "chain_head", "last_id"),
            )?;
            let up_to_raw_id =
                crate::derived::touched_up_to(after_raw_id, max_packets, newest.unwrap_or(0));
            let points = select(
                &mut tx,
                DURING,
                "SELECT d.point_id, max(r.received_ms), max(d.last_data_ms),
                        bool_or(r.cn = 2011), bool_or(r.cn = 2051), bool_or(r.cn = 2061),
                        bool_or(r.cn = 2031)
                 FROM raw_packet r JOIN device d ON d.id = r.device_id
                 WHERE r.id > $1 AND r.id <= $2 AND r.verdict = 'accepted'
                 GROUP BY d.point_id ORDER BY d.point_id",
                &[&after_raw_id, &up_to_raw_id],
                |row| {
                    let mut kinds = Vec::new();
                    let all = [DataKind::Realtime, DataKind::Minute, DataKind::Hour, DataKind::Day];
                    for (index, kind) in all.into_iter().enumerate() {
                        let sent: Option<bool> =
                            row.try_get(3 + index).map_err(|error| Error::Corrupt {
                                table: "raw_packet",
                                column: "cn",
                                detail: error.to_string(),
                            })?;
                        if sent == Some(true) {
                            kinds.push(kind);
                        }
                    }
                    Ok(TouchedPoint {
                        point: PointId(row.required_int(0, "device", "point_id")?),
                        last_received: row.instant(1, "raw_packet", "received_ms")?,
                        last_data_time: row.optional_instant(2, "device", "last_data_ms")?,
                        kinds,
                    })
                },
            )?;
            tx.commit().map_err(database_error(DURING))?;
            Ok(TouchedPoints { points, up_to_raw_id })
        })
    }
}

/// Records one delivery attempt's result and its audit entry.
fn record_delivery(
    tx: &mut Transaction<'_>,
    audit: &mut Vec<AuditEntry>,
    id: i64,
    at: Instant,
    delivery: &Delivery,
) -> Result<()> {
    let before = select_opt(
        tx,
        "reading a notification",
        &format!("SELECT {NOTIFICATION_COLUMNS} FROM notification WHERE id = $1 FOR UPDATE"),
        &[&id],
        decode_notification,
    )?
    .ok_or_else(|| Error::NotFound { entity: "notification", id: id.to_string() })?;
    let update = delivery_update(&before, at, delivery);
    tx.execute(
        "UPDATE notification SET attempts = attempts + 1, status = $2, last_error = $3,
             next_attempt_ms = $4, delivered_ms = $5
         WHERE id = $1",
        &[&id, &update.status, &update.error, &update.next_ms, &update.delivered_ms],
    )
    .map_err(database_error("recording a notification delivery"))?;
    audit.push(update.audit);
    Ok(())
}

/// Records one finding: a new alarm, a new occurrence, a re-evaluation, or nothing.
fn record_finding(
    tx: &mut Transaction<'_>,
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
            let row = tx
                .query_one(
                    "INSERT INTO alarm (point_id, rule, pollutant, state, severity, first_ms, last_ms,
                         window_from_ms, window_to_ms, n_occurrences, evidence, still_holds, assignee)
                     VALUES ($1, $2, $3, 'open', $4, $5, $5, $6, $7, 1, $8, true, $9)
                     RETURNING id",
                    &[
                        &key.point.0,
                        &key.rule.as_str(),
                        &key.pollutant,
                        &finding.severity.as_str(),
                        &millis(pass.at),
                        &window_ms,
                        &millis(finding.window_to),
                        &evidence,
                        &finding.assignee,
                    ],
                )
                .map_err(database_error("opening an alarm"))?;
            let id = AlarmId(row.required_int(0, "alarm", "id")?);
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
            tx.execute(
                "UPDATE alarm SET severity = $2, last_ms = $3, n_occurrences = n_occurrences + $4,
                     window_from_ms = CASE WHEN $5 THEN $6 ELSE window_from_ms END,
                     window_to_ms = CASE WHEN $5 THEN $7 ELSE window_to_ms END,
                     evidence = CASE WHEN $5 THEN $8 ELSE evidence END,
                     still_holds = CASE WHEN $5 THEN true ELSE still_holds END
                 WHERE id = $1",
                &[
                    &before.id.0,
                    &occurrence.severity.as_str(),
                    &millis(pass.at),
                    &i64::from(occurrence.new_occurrence),
                    &occurrence.is_latest,
                    &window_ms,
                    &millis(finding.window_to),
                    &evidence,
                ],
            )
            .map_err(database_error("updating an alarm occurrence"))?;
            let event = occurrence.event();
            insert_event(
                tx,
                before.id,
                pass.at,
                pass.actor,
                event,
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
    tx: &mut Transaction<'_>,
    audit: &mut Vec<AuditEntry>,
    pass: &AlarmPass<'_>,
    cleared: &Cleared,
) -> Result<bool> {
    let Some(before) = active_alarm(tx, &cleared.key)? else { return Ok(false) };
    if !clear_applies(cleared, &before) {
        return Ok(false);
    }
    tx.execute(
        "UPDATE alarm SET still_holds = false, last_ms = $2 WHERE id = $1",
        &[&before.id.0, &millis(pass.at)],
    )
    .map_err(database_error("marking an alarm as no longer holding"))?;
    let detail = json!({ "window_from": before.window_from });
    insert_event(tx, before.id, pass.at, pass.actor, "no_longer_holds", None, &detail)?;
    let after = require_alarm(tx, before.id)?;
    audit.push(alarm_audit(pass.at, pass.actor, "alarm_no_longer_holds", Some(&before), &after));
    Ok(true)
}

/// Checks that `action` is allowed on alarm `id` (locked until the transaction
/// ends); returns the alarm as it was.
fn transition(tx: &mut Transaction<'_>, id: AlarmId, action: AlarmAction) -> Result<Alarm> {
    let before = load_alarm(tx, id, "FOR UPDATE")?
        .ok_or_else(|| Error::NotFound { entity: "alarm", id: id.to_string() })?;
    before.state.apply(action).map_err(AlarmError::from)?;
    Ok(before)
}

/// Records the event and the audit entry of a person's change; returns the alarm after it.
fn finish_change(
    tx: &mut Transaction<'_>,
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
    tx: &mut Transaction<'_>,
    alarm: &Alarm,
    event: &str,
    channels: &[String],
    at: Instant,
) -> Result<()> {
    if channels.is_empty() {
        return Ok(());
    }
    let payload = json_text(alarm, "encoding a notification payload")?;
    tx.execute(
        "INSERT INTO notification (alarm_id, channel, event, payload, created_ms, attempts,
             next_attempt_ms, status)
         SELECT $1, c.channel, $3, $4, $5, 0, $5, 'pending'
         FROM unnest($2::text[]) WITH ORDINALITY AS c (channel, n) ORDER BY c.n",
        &[&alarm.id.0, &channels, &event, &payload, &millis(at)],
    )
    .map_err(database_error("queueing a notification"))?;
    Ok(())
}

pub(super) fn insert_event(
    tx: &mut Transaction<'_>,
    id: AlarmId,
    at: Instant,
    actor: &str,
    event: &str,
    window_ms: Option<i64>,
    detail: &Value,
) -> Result<()> {
    let detail = json_text(detail, "encoding an alarm event")?;
    tx.execute(
        "INSERT INTO alarm_event (alarm_id, at_ms, actor, event, window_ms, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&id.0, &millis(at), &actor, &event, &window_ms, &detail],
    )
    .map_err(database_error("recording an alarm event"))?;
    Ok(())
}

/// The active alarm of `key`, locked until the transaction ends.
fn active_alarm(tx: &mut Transaction<'_>, key: &AlarmKey) -> Result<Option<Alarm>> {
    select_opt(
        tx,
        "finding the active alarm",
        &format!(
            "SELECT {ALARM_COLUMNS} FROM alarm WHERE point_id = $1 AND rule = $2 AND pollutant = $3
             AND state IN ('open', 'acknowledged') FOR UPDATE"
        ),
        &[&key.point.0, &key.rule.as_str(), &key.pollutant],
        decode_alarm,
    )
}

/// The alarm (of any state) that already recorded this window for `key`, if any.
fn window_seen(tx: &mut Transaction<'_>, key: &AlarmKey, window_ms: i64) -> Result<Option<i64>> {
    select_opt(
        tx,
        "checking an alarm window",
        "SELECT a.id FROM alarm a JOIN alarm_event e ON e.alarm_id = a.id
         WHERE a.point_id = $1 AND a.rule = $2 AND a.pollutant = $3 AND e.window_ms = $4 LIMIT 1",
        &[&key.point.0, &key.rule.as_str(), &key.pollutant, &window_ms],
        |row| row.required_int(0, "alarm", "id"),
    )
}

/// The alarm `id`; `lock` is appended to the query (`FOR UPDATE` or nothing).
fn load_alarm(client: &mut impl GenericClient, id: AlarmId, lock: &str) -> Result<Option<Alarm>> {
    select_opt(
        client,
        "reading an alarm",
        &format!("SELECT {ALARM_COLUMNS} FROM alarm WHERE id = $1 {lock}"),
        &[&id.0],
        decode_alarm,
    )
}

pub(super) fn require_alarm(tx: &mut Transaction<'_>, id: AlarmId) -> Result<Alarm> {
    load_alarm(tx, id, "")?.ok_or_else(|| Error::NotFound { entity: "alarm", id: id.to_string() })
}
