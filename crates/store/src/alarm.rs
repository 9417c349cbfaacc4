//! Alarms: what the `alarms` service found, their lifecycle and history, and
//! the outbox of notifications announcing them.
//!
//! **De-duplication.** At most one active (open or acknowledged) alarm exists
//! per [`AlarmKey`] (point, rule, pollutant). A finding for a key with an
//! active alarm is a new occurrence (count and last time move) if its window
//! is new, and a re-evaluation (evidence refreshed, nothing counted) if that
//! window was seen before. A window already recorded on any alarm of the key,
//! even a closed one, never opens a new alarm: re-sent history and
//! re-evaluations cannot raise an alarm twice.
//!
//! **Late data.** A re-evaluated window where the rule no longer holds is
//! recorded as [`Cleared`]: the alarm stays, with `still_holds = false` and an
//! event in its history. Nothing is deleted.
//!
//! **Outbox.** Opening and escalating an alarm queue one [`Notification`] per
//! channel in the same transaction; the notifier delivers them later, so a
//! slow receiver never holds up detection.
//!
//! Every change is audited in its own transaction (actor, before, after).

use model::alarm::{AlarmId, AlarmKey, AlarmState, Severity, TransitionError};
use model::{Instant, PointId};
use serde::{Deserialize, Serialize};

use crate::Result;

/// One finding of a detection rule: what held, where, over which window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Point, rule and pollutant.
    pub key: AlarmKey,
    /// How serious.
    pub severity: Severity,
    /// Start of the evidence window (UTC); identifies the occurrence.
    pub window_from: Instant,
    /// End of the evidence window (UTC, exclusive).
    pub window_to: Instant,
    /// The values and thresholds that make the finding, as JSON.
    pub evidence: serde_json::Value,
    /// Who a newly opened alarm is assigned to (e.g. the town's grid inspector).
    pub assignee: Option<String>,
}

/// A re-evaluated scope where the rule no longer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleared {
    /// Point, rule and pollutant.
    pub key: AlarmKey,
    /// The range of window starts re-evaluated, `[from, to)`: the active
    /// alarm is marked only if its latest window starts inside. `None` means
    /// whatever its window (for states such as offline that end rather than
    /// being re-judged).
    pub within: Option<(Instant, Instant)>,
}

/// Everything one pass of the alarm service writes, in one transaction.
#[derive(Debug, Clone, Copy)]
pub struct AlarmPass<'a> {
    /// When the pass ran.
    pub at: Instant,
    /// Who writes, e.g. `system:alarms`.
    pub actor: &'a str,
    /// What held.
    pub findings: &'a [Finding],
    /// What no longer holds.
    pub cleared: &'a [Cleared],
    /// Channels to notify of each newly opened alarm.
    pub channels: &'a [String],
    /// The watermark to advance with the pass: (name, raw packet id).
    pub watermark: Option<(&'a str, i64)>,
}

/// What a pass changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassOutcome {
    /// Alarms newly opened.
    pub opened: Vec<AlarmId>,
    /// Findings counted as a new occurrence of an active alarm.
    pub n_repeated: usize,
    /// Findings that only refreshed a known window.
    pub n_reevaluated: usize,
    /// Alarms marked as no longer holding.
    pub n_cleared: usize,
}

/// A file attached when closing an alarm (a photo of the site, a report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name as given.
    pub name: String,
    /// Media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What is known of an alarm's attachment without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub n_bytes: usize,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
}

/// A stored alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Its id.
    pub id: AlarmId,
    /// Point, rule and pollutant.
    pub key: AlarmKey,
    /// Lifecycle state.
    pub state: AlarmState,
    /// The highest severity seen.
    pub severity: Severity,
    /// When it was opened.
    pub first_at: Instant,
    /// When it last occurred or was re-evaluated.
    pub last_at: Instant,
    /// The latest occurrence's window start.
    pub window_from: Instant,
    /// The latest occurrence's window end.
    pub window_to: Instant,
    /// Occurrences counted (distinct windows).
    pub n_occurrences: u32,
    /// The latest occurrence's evidence.
    pub evidence: serde_json::Value,
    /// False once late data showed that the latest window no longer holds.
    pub still_holds: bool,
    /// Who should handle it.
    pub assignee: Option<String>,
    /// When it was last escalated for not being acknowledged in time.
    pub escalated_at: Option<Instant>,
    /// The highest escalation level reached (0: not escalated); see [`crate::SupervisionStore`].
    #[serde(default)]
    pub escalation_level: u32,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<Instant>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// When.
    pub closed_at: Option<Instant>,
    /// The note given when closing.
    pub close_note: Option<String>,
    /// The attachment given when closing.
    pub attachment: Option<AttachmentInfo>,
}

/// One entry of an alarm's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmEvent {
    /// When.
    pub at: Instant,
    /// Who: a user, `api` or `system:alarms`.
    pub actor: String,
    /// What: `opened`, `occurred`, `re_evaluated`, `no_longer_holds`, `escalated`,
    /// `acknowledged`, `assigned`, `closed`.
    pub event: String,
    /// The occurrence window start, for `opened`, `occurred` and `re_evaluated`.
    pub window_from: Option<Instant>,
    /// Details as JSON.
    pub detail: serde_json::Value,
}

/// A filter over alarms, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlarmQuery {
    /// Only this state.
    pub state: Option<AlarmState>,
    /// Only this point.
    pub point: Option<PointId>,
    /// Only this rule.
    pub rule: Option<model::alarm::Rule>,
    /// Only alarms of these points (all points when `None`).
    pub points: Option<Vec<PointId>>,
    /// Only alarms assigned to nobody (no assignee, or a blank one) or to
    /// one of these names (all alarms when `None`): an inbox's "mine".
    pub assignees: Option<Vec<String>>,
    /// At most this many (0 means 100).
    pub limit: usize,
}

/// Where a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Accepted by the receiver.
    Delivered,
    /// Given up after the last attempt: the dead-letter record.
    Dead,
}

impl NotificationStatus {
    /// Stable name in storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Delivered => "delivered",
            NotificationStatus::Dead => "dead",
        }
    }

    /// Parses the name written by [`NotificationStatus::as_str`].
    pub fn parse(text: &str) -> Option<NotificationStatus> {
        [NotificationStatus::Pending, NotificationStatus::Delivered, NotificationStatus::Dead]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// A queued notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// The alarm it announces.
    pub alarm: AlarmId,
    /// The configured channel's name.
    pub channel: String,
    /// `opened` or `escalated`.
    pub event: String,
    /// The alarm as it was when queued ([`Alarm`] as JSON).
    pub payload: serde_json::Value,
    /// When it was queued.
    pub created_at: Instant,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Instant,
    /// Where it is.
    pub status: NotificationStatus,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<Instant>,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver accepted it.
    Delivered,
    /// It failed; try again at `next_attempt_at`.
    Retry {
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt_at: Instant,
    },
    /// It failed for the last time: keep it as a dead letter.
    Dead {
        /// What went wrong.
        error: String,
    },
}

/// A point that accepted packets after a watermark came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchedPoint {
    /// The point.
    pub point: PointId,
    /// When the last of those packets was received.
    pub last_received: Instant,
    /// The newest data time its devices ever sent (monotonic), if known.
    pub last_data_time: Option<Instant>,
    /// The data kinds those packets carried (by their CN: 2011, 2051, 2061, 2031).
    pub kinds: Vec<model::DataKind>,
}

/// Points that packets after a watermark came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TouchedPoints {
    /// The points, by id.
    pub points: Vec<TouchedPoint>,
    /// The highest raw packet id covered.
    pub up_to_raw_id: i64,
}

/// Errors specific to the alarm lifecycle, carried by [`crate::Error::Alarm`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlarmError {
    /// The alarm's state does not allow the action.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Closing needs a note saying what was done.
    #[error("closing an alarm needs a note (关闭报警须填写处理说明)")]
    NoteRequired,
    /// An assignee must be named.
    #[error("an assignee must be named (须指定处理人)")]
    AssigneeRequired,
}

/// Storage of alarms, their history and the notification outbox.
pub trait AlarmStore: Send + Sync {
    /// Records a detection pass (findings, cleared scopes, outbox rows for new
    /// alarms, the watermark) in one audited transaction; durable on return.
    fn record_alarm_pass(&self, pass: &AlarmPass<'_>) -> Result<PassOutcome>;

    /// Alarms matching the query, newest first.
    fn alarms(&self, query: &AlarmQuery) -> Result<Vec<Alarm>>;

    /// [`AlarmStore::alarms`] without their evidence (each is JSON `null`):
    /// the same filters, order and limit, for lists that do not show it (the
    /// alarm inbox). A query with a state reads that state's alarms only
    /// (the state index), however many closed alarms have accumulated.
    fn alarm_list(&self, query: &AlarmQuery) -> Result<Vec<Alarm>>;

    /// One alarm.
    fn alarm(&self, id: AlarmId) -> Result<Option<Alarm>>;

    /// An alarm's history, oldest first.
    fn alarm_history(&self, id: AlarmId) -> Result<Vec<AlarmEvent>>;

    /// An alarm's attachment with its bytes.
    fn alarm_attachment(&self, id: AlarmId) -> Result<Option<Attachment>>;

    /// Open → acknowledged, by `actor`; audited, durable on return.
    fn acknowledge_alarm(&self, id: AlarmId, actor: &str, at: Instant) -> Result<Alarm>;

    /// Open or acknowledged → closed with a required note and an optional attachment.
    fn close_alarm(
        &self,
        id: AlarmId,
        actor: &str,
        at: Instant,
        note: &str,
        attachment: Option<&Attachment>,
    ) -> Result<Alarm>;

    /// Sets who handles an active alarm.
    fn assign_alarm(&self, id: AlarmId, actor: &str, at: Instant, assignee: &str) -> Result<Alarm>;

    /// Escalates open alarms opened before `opened_before` and not yet
    /// escalated: marks them (level 1), records the event and queues a
    /// notification per channel, in one transaction. Returns the escalated
    /// ids. The single-level form; the alarm service climbs configured
    /// levels with [`crate::SupervisionStore::escalate`].
    fn escalate_alarms(
        &self,
        opened_before: Instant,
        at: Instant,
        channels: &[String],
    ) -> Result<Vec<AlarmId>>;

    /// Pending notifications due at `now`, oldest first, at most `limit`.
    fn due_notifications(&self, now: Instant, limit: usize) -> Result<Vec<Notification>>;

    /// The earliest time a pending notification is due, if any.
    fn next_notification_due(&self) -> Result<Option<Instant>>;

    /// Records the results of delivery attempts made at `at` (notification
    /// id and result), in one audited transaction; durable on return.
    fn record_deliveries(&self, at: Instant, deliveries: &[(i64, Delivery)]) -> Result<()>;

    /// Notifications, newest first, optionally of one status (dead letters), at most `limit`.
    fn notifications(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<Notification>>;

    /// The points packets with `after_raw_id < id ≤ up_to_raw_id` came from
    /// (through their devices), where `up_to_raw_id` is the newest archived
    /// id, at most `after_raw_id + max_packets`. One consistent snapshot.
    fn touched_points(&self, after_raw_id: i64, max_packets: u64) -> Result<TouchedPoints>;
}
