//! The backend-independent part of recording alarms ([`AlarmStore`](crate::AlarmStore)):
//! how a repeated finding changes an active alarm, what the audit log records
//! for it, and how a delivery attempt changes a notification. Both backends
//! call these inside their write transaction, so they behave the same.

use model::Instant;
use model::alarm::Severity;
use serde_json::json;

use crate::encoding::millis;
use crate::{Alarm, AlarmPass, AuditEntry, Cleared, Delivery, Finding, Notification, PassOutcome};

/// What a finding does to the active alarm of its key.
pub(crate) struct Occurrence {
    /// The finding's window was not recorded before: one more occurrence.
    pub(crate) new_occurrence: bool,
    /// The finding's window is the alarm's latest (or later): it becomes the
    /// alarm's window, evidence and "still holds".
    pub(crate) is_latest: bool,
    /// The alarm's severity after the finding (never lowered).
    pub(crate) severity: Severity,
}

impl Occurrence {
    /// The change `finding` makes to the active alarm `before`, or `None` when it
    /// re-evaluates a known window to the same result (or an older window).
    pub(crate) fn of(
        before: &Alarm,
        finding: &Finding,
        new_occurrence: bool,
    ) -> Option<Occurrence> {
        let window_ms = millis(finding.window_from);
        let is_latest = window_ms >= millis(before.window_from);
        if !new_occurrence {
            // Re-evaluation of a known window: refresh only the latest one, and only if it changed.
            let unchanged = !is_latest
                || (window_ms == millis(before.window_from)
                    && before.still_holds
                    && before.evidence == finding.evidence
                    && before.severity >= finding.severity);
            if unchanged {
                return None;
            }
        }
        Some(Occurrence {
            new_occurrence,
            is_latest,
            severity: before.severity.max(finding.severity),
        })
    }

    /// The alarm event (and, prefixed `alarm_`, the audit action) it records.
    pub(crate) fn event(&self) -> &'static str {
        if self.new_occurrence { "occurred" } else { "re_evaluated" }
    }

    /// Counts it in the pass outcome.
    pub(crate) fn count(&self, outcome: &mut PassOutcome) {
        if self.new_occurrence {
            outcome.n_repeated += 1;
        } else {
            outcome.n_reevaluated += 1;
        }
    }
}

/// The audit entry of an occurrence: what changed (the history row holds the evidence).
pub(crate) fn finding_audit(
    pass: &AlarmPass<'_>,
    before: &Alarm,
    finding: &Finding,
    occurrence: &Occurrence,
) -> AuditEntry {
    let n_after = before.n_occurrences + u32::from(occurrence.new_occurrence);
    let after = json!({
        "n_occurrences": n_after,
        "severity": occurrence.severity,
        "window_from": if occurrence.is_latest { finding.window_from } else { before.window_from },
        "still_holds": occurrence.is_latest || before.still_holds,
    });
    let summary = json!({
        "n_occurrences": before.n_occurrences,
        "severity": before.severity,
        "window_from": before.window_from,
        "still_holds": before.still_holds,
    });
    AuditEntry {
        at: pass.at,
        actor: pass.actor.to_owned(),
        action: format!("alarm_{}", occurrence.event()),
        subject: format!("alarm:{}", before.id),
        detail: json!({ "before": summary, "after": after }),
    }
}

/// Whether clearing `cleared` marks the active alarm `before` as no longer
/// holding: it still holds, and its window is inside the cleared range (if any).
pub(crate) fn clear_applies(cleared: &Cleared, before: &Alarm) -> bool {
    let outside = cleared
        .within
        .is_some_and(|(from, to)| before.window_from < from || before.window_from >= to);
    before.still_holds && !outside
}

/// The audit entry of a change to an alarm: the whole alarm before and after.
pub(crate) fn alarm_audit(
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

/// The new state of a notification after one delivery attempt, and its audit entry.
pub(crate) struct DeliveryUpdate<'a> {
    /// `pending`, `delivered` or `dead`.
    pub(crate) status: &'static str,
    /// The attempt's error, if it failed.
    pub(crate) error: Option<&'a str>,
    /// When to try next (UTC ms).
    pub(crate) next_ms: i64,
    /// When it was delivered (UTC ms).
    pub(crate) delivered_ms: Option<i64>,
    /// The audit entry recording the attempt.
    pub(crate) audit: AuditEntry,
}

/// What `delivery` at `at` does to the notification `before`.
pub(crate) fn delivery_update<'a>(
    before: &Notification,
    at: Instant,
    delivery: &'a Delivery,
) -> DeliveryUpdate<'a> {
    let (status, error, next_ms, delivered_ms) = match delivery {
        Delivery::Delivered => ("delivered", None, millis(at), Some(millis(at))),
        Delivery::Retry { error, next_attempt_at } => {
            ("pending", Some(error.as_str()), millis(*next_attempt_at), None)
        }
        Delivery::Dead { error } => ("dead", Some(error.as_str()), millis(at), None),
    };
    let audit = AuditEntry {
        at,
        actor: "system:notifier".to_owned(),
        action: format!("notification_{status}"),
        subject: format!("notification:{}", before.id),
        detail: json!({
            "before": { "status": before.status, "attempts": before.attempts },
            "after": { "status": status, "attempts": before.attempts + 1, "error": error },
            "alarm": before.alarm,
            "channel": before.channel,
        }),
    };
    DeliveryUpdate { status, error, next_ms, delivered_ms, audit }
}

/// Lower-case hex of `bytes` (attachment digests).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
